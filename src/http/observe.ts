import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { Logger } from "../log.js";
import type { Metrics } from "../metrics.js";
import type { AppEnv } from "./env.js";

/** A request id a proxy passed on is kept if it is short and plain; anything else is replaced. */
const OFFERED_ID = /^[\w.:-]{1,64}$/;

/**
 * Gives every request an id (X-Request-Id, kept from the proxy or made here; in c.var for
 * log lines) and counts it in the request histogram by route pattern and status. Route
 * patterns, not paths, so a JID in the path cannot blow up the number of series.
 */
export function observeRequests({
  log,
  metrics,
}: {
  log: Logger;
  metrics: Pick<Metrics, "enabled" | "httpRequests">;
}): MiddlewareHandler<AppEnv> {
  // Unique across restarts and bridges without a random number per request.
  const prefix = randomBytes(4).toString("hex");
  let issued = 0;
  const timed = metrics.enabled;

  return async function observe(c, next) {
    const offered = c.req.header("x-request-id");
    const requestId =
      offered !== undefined && OFFERED_ID.test(offered)
        ? offered
        : `${prefix}-${(++issued).toString(36)}`;
    c.set("requestId", requestId);
    // Straight on the Node response when there is one: touching c.res.headers after the
    // handler made @hono/node-server build a Headers object and leave its fast path.
    const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
    const early = outgoing !== undefined && !outgoing.headersSent;
    if (early) outgoing.setHeader("x-request-id", requestId);
    const started = timed ? performance.now() : 0;
    await next();
    // app.fetch without node-server (tests), and WebSocket upgrades (no Node response).
    if (!early) c.res.headers.set("x-request-id", requestId);
    if (timed) {
      metrics.httpRequests.observe(
        { method: c.req.method, route: routeLabel(c), status: c.res.status },
        (performance.now() - started) / 1000,
      );
    }
    log.debug("http request", {
      requestId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
    });
  };
}

/** The pattern of the handler that matched (`/rest/:kind/:type/:to{.+}`), or `unmatched`. */
function routeLabel(c: Context): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    const route = routes[i];
    if (route && route.method !== "ALL") return route.path;
  }
  return "unmatched";
}
