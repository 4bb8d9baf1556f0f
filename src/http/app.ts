import type { Hook } from "@hono/zod-openapi";
import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import type { Bots } from "../bots/index.js";
import type { Config } from "../config.js";
import type { Logger } from "../log.js";
import { type Metrics, noMetrics } from "../metrics.js";
import type { Rooms } from "../rooms/index.js";
import { StanzaError } from "../stanza/errors.js";
import type { EventLog } from "../store/events.js";
import type { HistoryStore } from "../store/history.js";
import type { RoomStore } from "../store/rooms.js";
import type { Consumers } from "../stream/consumers.js";
import type { StreamLimits } from "../stream/limits.js";
import type { Bounces } from "../xmpp/bounces.js";
import type { IqTracker } from "../xmpp/iq-tracker.js";
import type { Link } from "../xmpp/link.js";
import { bearerAuth } from "./auth.js";
import { errorResponse } from "./errors.js";
import { observeRequests } from "./observe.js";
import type { DeliveriesView } from "./routes/deliveries.js";
import { type AppEnv, type BridgeApp, registerRoutes } from "./routes/index.js";

export interface AppDeps {
  readonly config: Config;
  readonly link: Link;
  readonly iqs: IqTracker;
  readonly log: Logger;
  /** Off (no-op instruments, no /metrics) unless given. */
  readonly metrics?: Metrics;
  readonly deliveries?: DeliveriesView;
  readonly bots: Pick<Bots, "registry" | "inboundIqs" | "recordOutgoing">;
  readonly store: EventLog & HistoryStore & RoomStore;
  readonly rooms?: Rooms;
  /** Error replies to messages the bridge waits on (room invitations); with rooms. */
  readonly bounces?: Bounces;
  readonly consumers: Consumers;
  readonly streamLimits: StreamLimits;
}

/**
 * A /v1 body or parameter that misses its schema: 422 for a JSON body of the wrong
 * shape, 400 for parameters, in the bridge's error format. (A body that is not JSON
 * at all never gets here: hono throws a 400 HTTPException, rendered by onError.)
 */
const schemaHook: Hook<unknown, AppEnv, string, unknown> = (result, c) => {
  if (result.success) return;
  const where = result.target === "json" || result.target === "form" ? "" : `${result.target} `;
  const text = result.error.issues
    .slice(0, 5)
    .map((issue) => `${where}${issue.path.join(".") || "body"}: ${issue.message}`)
    .join("; ");
  const status = result.target === "json" || result.target === "form" ? 422 : 400;
  return errorResponse(c, new StanzaError("modify", "bad-request", { text, status }));
};

export function createApp(deps: AppDeps): BridgeApp {
  const { link, log, bots } = deps;
  const metrics = deps.metrics ?? noMetrics;
  const app: BridgeApp = new OpenAPIHono<AppEnv>({ defaultHook: schemaHook });
  app.use("*", observeRequests({ log, metrics }));

  app.onError((err, c) => {
    if (err instanceof StanzaError) {
      const headers: Record<string, string> = {};
      if (err.status === 503 && link.state !== "online") {
        headers["retry-after"] = String(link.retryAfterSeconds());
      }
      // The rest of an oversized body is not read: close rather than drain it.
      if (err.status === 413) headers.connection = "close";
      return errorResponse(c, err, headers);
    }
    if (err instanceof HTTPException && err.status < 500) {
      // hono's own refusals (a /v1 body that is not JSON, an unsupported media type).
      const condition = err.status === 415 ? "bad-format" : "bad-request";
      const type = err.status === 415 ? "cancel" : "modify";
      return errorResponse(
        c,
        new StanzaError(type, condition, { text: err.message, status: err.status }),
      );
    }
    log.error("request failed", {
      requestId: c.get("requestId"),
      method: c.req.method,
      path: c.req.path,
      err,
    });
    return errorResponse(
      c,
      new StanzaError("wait", "internal-server-error", { text: "internal error", status: 500 }),
    );
  });

  app.notFound((c) =>
    errorResponse(
      c,
      new StanzaError("cancel", "item-not-found", { text: "no such endpoint", status: 404 }),
    ),
  );

  registerRoutes(app, {
    ...deps,
    metrics,
    auth: bearerAuth<AppEnv>(bots.registry),
    readAuth: bearerAuth<AppEnv>(bots.registry, { queryToken: true }),
  });
  return app;
}
