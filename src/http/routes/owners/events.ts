/**
 * GET .../events (a bot's, an account's, /v1/me's): one log, three ways out. A WebSocket upgrade
 * streams JSON text frames; Accept: text/event-stream streams Server-Sent
 * Events; anything else is a long-poll answered with a JSON array. The handler
 * reads its parameters itself (documentedRoute): their rules (clamping, ids)
 * are more than a schema says, and the answer is a stream.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { upgradeWebSocket } from "@hono/node-server";
import { z } from "@hono/zod-openapi";
import type { WSEvents } from "hono/ws";
import { ownerId } from "../../../owner.js";
import { notAllowed } from "../../../stanza/errors.js";
import { createCursor } from "../../../stream/cursor.js";
import { longPoll } from "../../../stream/long-poll.js";
import { startPosition } from "../../../stream/position.js";
import { sseStream } from "../../../stream/sse.js";
import { webSocketEvents } from "../../../stream/websocket.js";
import { type BridgeApp, documentedRoute, type RouteDeps } from "../../env.js";
import {
  eventFormat,
  MAX_EVENTS,
  MAX_WAIT_SECONDS,
  parseAfter,
  parsePollParams,
} from "../../params.js";
import { authErrors, errorResponse } from "../../schemas.js";
import { type Mount, paramsOf } from "./mount.js";

export const EventBody = z
  .object({
    id: z.string().openapi({ description: "Event id: increasing, the position to resume from" }),
    time: z.string().openapi({ description: "When the bridge received it (RFC 3339)" }),
    stanza: z
      .record(z.string(), z.unknown())
      .openapi({ description: "The stanza in the JSON mapping" }),
    xml: z.string().optional().openapi({ description: "The stanza as XML (format=xml)" }),
  })
  .openapi("Event");

const eventsRoute = (mount: Mount) => ({
  method: "get" as const,
  path: "/events",
  tags: [mount.tag],
  summary: `Receive the events of ${mount.noun}: SSE, WebSocket or long-poll`,
  description: `One log, three ways (README, "Bots", "Accounts"). Upgrade: websocket gives JSON text frames; Accept: text/event-stream gives Server-Sent Events (id: = event id, resumable with Last-Event-ID, heartbeat comments); otherwise a long-poll answers a JSON array. Reading with after (or Last-Event-ID) acknowledges everything up to it; without it, reading starts after the last acknowledged event. Browsers may pass the token as ?access_token=.`,
  security: mount.security,
  request: {
    ...paramsOf(mount),
    query: z.object({
      after: z.string().optional().openapi({ description: "Resume after this event id" }),
      wait: z
        .string()
        .optional()
        .openapi({
          description: `Long-poll: seconds to wait when nothing is there (default 0; above ${MAX_WAIT_SECONDS} is clamped)`,
        }),
      limit: z
        .string()
        .optional()
        .openapi({
          description: `Long-poll: most events per answer (default and maximum ${MAX_EVENTS}; above is clamped)`,
        }),
      format: z.enum(["json", "xml"]).optional().openapi({
        description: "xml: each event also carries the raw stanza XML",
      }),
      access_token: z.string().optional().openapi({ description: "The token, for browsers" }),
    }),
  },
  responses: {
    200: {
      description: "Long-poll: the events (possibly []); SSE: the stream",
      content: {
        "application/json": { schema: z.array(EventBody) },
        "text/event-stream": { schema: z.string() },
      },
    },
    101: { description: "WebSocket: one Event per text frame" },
    ...authErrors,
    400: errorResponse("A bad after, wait, limit or format; the text says which"),
    404: errorResponse(mount.missing),
    409: errorResponse("It receives by webhook"),
    422: errorResponse("The name is not a valid JID localpart, or the JID not a bare JID"),
  },
});

export function registerEvents(
  app: BridgeApp,
  deps: Pick<RouteDeps, "store" | "consumers" | "streamLimits" | "log">,
  mount: Mount,
): void {
  const { store, consumers, streamLimits: limits, log } = deps;

  documentedRoute(app, eventsRoute(mount), async (c) => {
    const subject = c.var.subject;
    if (subject.webhook) {
      throw notAllowed(`${subject.describe} receives by webhook; remove its callbackUrl to pull`);
    }
    const format = eventFormat(c.req.query("format"));
    const websocket = c.req.header("upgrade")?.toLowerCase() === "websocket";
    const sse = !websocket && (c.req.header("accept") ?? "").includes("text/event-stream");
    const after =
      parseAfter(c.req.query("after"), "after") ??
      (sse ? parseAfter(c.req.header("last-event-id"), "Last-Event-ID") : undefined);
    const poll = websocket || sse ? undefined : parsePollParams(c.req.query());
    const stream = ownerId(subject.owner);
    const position = await startPosition(store, stream, after);

    if (websocket) {
      const events = webSocketEvents({
        stream,
        store,
        after: position,
        format,
        limits,
        consumers,
        log,
      });
      return upgradeWebSocket(c, events as unknown as WSEvents, {
        onError: (err) => log.warn("websocket handler failed", { stream, err }),
      });
    }

    if (sse) {
      const env = c.env as { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined;
      const body = sseStream({
        stream,
        cursor: createCursor(store, stream, position),
        format,
        limits,
        consumers,
        log,
        // Only while this response is still unsent: once it is, the socket may carry the
        // client's next request (keep-alive).
        destroy: () => {
          if (env?.outgoing && !env.outgoing.writableFinished) env.incoming?.socket.destroy();
        },
      });
      return c.body(body, 200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        // Tells nginx not to buffer the stream.
        "x-accel-buffering": "no",
      });
    }

    const { waitMs, limit } = poll ?? { waitMs: 0, limit: 1 };
    const events = await longPoll({
      stream,
      cursor: createCursor(store, stream, position),
      format,
      waitMs,
      limit,
      consumers,
      signal: c.req.raw.signal,
    });
    return c.json(events, 200, { "cache-control": "no-store" });
  });
}
