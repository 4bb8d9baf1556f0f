/**
 * A bot's history (GET /v1/bots/{name}/messages, paged newest first) and the
 * simple way to send as a bot (POST: a chat message from the JSON mapping).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { jsonToStanza, stanzaToJson } from "../../formats/json/index.js";
import { parseXmlElement } from "../../formats/xml.js";
import { botOwner, ownerId } from "../../owner.js";
import { StanzaError } from "../../stanza/errors.js";
import { bareJid, jidToString, parseJid } from "../../stanza/jid.js";
import { prepareOutgoing } from "../../stanza/outgoing.js";
import type { HistoryEntry } from "../../store/history.js";
import { parseAfter } from "../../stream/position.js";
import { linkDownError } from "../../xmpp/link.js";
import { authErrors, bearerSecurity, bodyErrors, errorResponse } from "../schemas.js";
import { requireBot } from "./access.js";
import { BotName } from "./bots.js";
import type { BridgeApp, RouteDeps } from "./index.js";

export const HISTORY_DEFAULT_LIMIT = 50;
export const HISTORY_MAX_LIMIT = 100;

function badRequest(text: string): StanzaError {
  return new StanzaError("modify", "bad-request", { text, status: 400 });
}

/** The `limit` of a history page: the default when absent, clamped to the maximum. */
export function historyLimit(value: string | undefined): number {
  if (value === undefined) return HISTORY_DEFAULT_LIMIT;
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) {
    throw badRequest(`limit must be a whole number from 1 to ${HISTORY_MAX_LIMIT}`);
  }
  return Math.min(Number(value), HISTORY_MAX_LIMIT);
}

const HistoryMessage = z
  .object({
    id: z.string().openapi({ description: "History id, for before= and after=" }),
    time: z.string().openapi({ description: "RFC 3339" }),
    direction: z.enum(["in", "out"]),
    from: z.string(),
    to: z.string(),
    type: z.string(),
    body: z.string(),
    stanza: z.record(z.string(), z.unknown()).nullable().openapi({
      description: "The whole stanza in the JSON mapping",
    }),
  })
  .openapi("HistoryMessage");

const HistoryPage = z
  .object({
    messages: z.array(HistoryMessage).openapi({ description: "Newest first" }),
    older: z
      .object({ before: z.string() })
      .nullable()
      .openapi({ description: "The query for the next older page; null when there is none" }),
    newer: z
      .object({ after: z.string() })
      .nullable()
      .openapi({ description: "The query for the next newer page; null when there is none" }),
  })
  .openapi("HistoryPage");

const SendBody = z
  .object({
    to: z.string().openapi({ example: "alice@example.org" }),
    body: z.string().optional().openapi({ example: "Hello!" }),
    type: z.string().optional().openapi({ description: "Default chat" }),
  })
  .catchall(z.unknown())
  .openapi("BotMessage", {
    description: "Any field of the JSON mapping; kind is message, from is the bot",
  });

/** A stored stanza in the JSON mapping, for a history answer; null if it no longer parses. */
export function storedStanzaJson(xml: string): Record<string, unknown> | null {
  try {
    return stanzaToJson(parseXmlElement(xml).root) as unknown as Record<string, unknown>;
  } catch {
    return null;
  }
}

function messageJson(entry: HistoryEntry): z.infer<typeof HistoryMessage> {
  const { id, direction, from, to, type, body } = entry;
  // The store keeps milliseconds; the answer says RFC 3339.
  const time = new Date(entry.time).toISOString();
  return { id, time, direction, from, to, type, body, stanza: storedStanzaJson(entry.stanza) };
}

const params = z.object({ name: BotName });

const historyRoute = createRoute({
  method: "get",
  path: "/v1/bots/{name}/messages",
  tags: ["bots"],
  summary: "A bot's message history, newest first",
  description:
    "Messages with a body the bot sent and received, kept for XMPP_REST_STORE_RETENTION. before= pages back, after= pages forward; each answer names the next queries.",
  security: bearerSecurity,
  request: {
    params,
    query: z.object({
      with: z.string().optional().openapi({ description: "Only with this JID (bare)" }),
      before: z.string().optional().openapi({ description: "Older than this history id" }),
      after: z.string().optional().openapi({ description: "Newer than this history id" }),
      limit: z
        .string()
        .optional()
        .openapi({
          description: `Default ${HISTORY_DEFAULT_LIMIT}, above ${HISTORY_MAX_LIMIT} is clamped`,
        }),
      access_token: z.string().optional().openapi({ description: "The token, for browsers" }),
    }),
  },
  responses: {
    200: { description: "A page", content: { "application/json": { schema: HistoryPage } } },
    ...authErrors,
    400: errorResponse("A bad with, before, after or limit; the text says which"),
    404: errorResponse("No such bot"),
    422: errorResponse("The name is not a valid JID localpart"),
  },
});

const sendRoute = createRoute({
  method: "post",
  path: "/v1/bots/{name}/messages",
  tags: ["bots"],
  summary: "Send a chat message as the bot",
  security: bearerSecurity,
  request: {
    params,
    body: { required: true, content: { "application/json": { schema: SendBody } } },
  },
  responses: {
    202: {
      description: "Handed to the XMPP server",
      content: { "application/json": { schema: z.object({ id: z.string() }) } },
    },
    ...authErrors,
    ...bodyErrors,
    404: errorResponse("No such bot"),
    503: errorResponse("The XMPP link is down (Retry-After says when to retry)"),
  },
});

export function registerMessages(
  app: BridgeApp,
  deps: Pick<RouteDeps, "bots" | "store" | "link" | "config">,
): void {
  const { bots, store, link, config } = deps;

  app.openapi(historyRoute, async (c) => {
    const bot = requireBot(c, bots.registry, c.req.valid("param").name);
    const query = c.req.valid("query");
    let peer: string | undefined;
    if (query.with !== undefined) {
      const jid = parseJid(query.with);
      if (!jid) throw badRequest(`with must be a JID; '${query.with}' is not one`);
      peer = jidToString(bareJid(jid));
    }
    const before = parseAfter(query.before, "before");
    const after = parseAfter(query.after, "after");
    const limit = historyLimit(query.limit);
    const owner = ownerId(botOwner(bot.name));
    const page = await store.pageHistory(owner, { with: peer, before, after, limit });
    const oldest = page.entries[page.entries.length - 1];
    const newest = page.entries[0];
    return c.json(
      {
        messages: page.entries.map(messageJson),
        older: page.hasOlder && oldest ? { before: oldest.id } : null,
        newer: page.hasNewer && newest ? { after: newest.id } : null,
      },
      200,
    );
  });

  app.openapi(sendRoute, async (c) => {
    const bot = requireBot(c, bots.registry, c.req.valid("param").name);
    const fields = c.req.valid("json") as Record<string, unknown>;
    if (fields.kind !== undefined && fields.kind !== "message") {
      throw new StanzaError("modify", "bad-request", {
        text: "this endpoint sends messages; use POST /rest for other stanzas",
        status: 422,
      });
    }
    const stanza = prepareOutgoing(jsonToStanza({ type: "chat", ...fields, kind: "message" }), "", {
      domain: config.domain,
      defaultFrom: bot.address,
    });
    const from = parseJid(stanza.attrs.from ?? "");
    if (!from || jidToString(bareJid(from)) !== bot.address) {
      throw new StanzaError("auth", "forbidden", {
        text: `a message of bot "${bot.name}" must be from ${bot.address}`,
        status: 403,
      });
    }
    if (link.state !== "online") throw linkDownError(link.retryAfterSeconds());
    await link.send(stanza);
    bots.recordOutgoing(stanza);
    return c.json({ id: stanza.attrs.id ?? "" }, 202);
  });
}
