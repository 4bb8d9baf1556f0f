import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { noMetrics } from "../metrics.js";
import { internalError, notFound, StanzaError } from "../stanza/errors.js";
import type { BasicLogin, TokenResolver } from "./auth.js";
import { bearerAuth } from "./auth.js";
import { type BridgeApp, newApp, type RouteDeps } from "./env.js";
import { errorResponse } from "./errors.js";
import { accountCredentials, forwardTimeout, forwardToHolder } from "./forward.js";
import { observeRequests } from "./observe.js";
import { registerRoutes } from "./routes/index.js";

export type AppDeps = Omit<RouteDeps, "auth" | "readAuth" | "metrics"> & {
  /** Off (no-op instruments, no /metrics) unless given. */
  readonly metrics?: RouteDeps["metrics"];
  /** Who a token belongs to: admins and owners, in one table. */
  readonly tokens: TokenResolver;
  /** Basic credentials of users who log in themselves (off when absent). */
  readonly basic?: BasicLogin | undefined;
};

export function createApp(deps: AppDeps): BridgeApp {
  const { log } = deps;
  const metrics = deps.metrics ?? noMetrics;
  const app = newApp();
  app.use("*", observeRequests({ log, metrics }));
  const origins = new Set(deps.settings.corsOrigins ?? []);
  if (origins.size > 0) {
    // Only the listed origins, and before authentication: a preflight carries no credentials.
    app.use(
      "*",
      cors({
        origin: (origin) => (origins.has(origin) ? origin : null),
        allowMethods: ["GET", "POST", "PUT", "DELETE", "OPTIONS"],
        allowHeaders: ["Authorization", "Content-Type", "Last-Event-ID", "Accept"],
        exposeHeaders: ["Link", "Retry-After", "X-Request-Id"],
        maxAge: 600,
      }),
    );
  }

  app.onError((err, c) => {
    if (err instanceof StanzaError) {
      const headers: Record<string, string> = {};
      if (err.retryAfter !== undefined) headers["retry-after"] = String(err.retryAfter);
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
    return errorResponse(c, internalError("internal error"));
  });

  app.notFound((c) => errorResponse(c, notFound("no such endpoint")));

  if (deps.holder && deps.accounts) {
    // Several processes: the accounts' sessions live with the link holder.
    const forward = forwardToHolder(deps.holder, {
      timeoutMs: forwardTimeout(deps.settings),
      when: accountCredentials(deps.tokens),
    });
    app.use("/rest", forward);
    app.use("/rest/*", forward);
  }

  registerRoutes(app, {
    ...deps,
    metrics,
    auth: bearerAuth(deps.tokens, { basic: deps.basic }),
    readAuth: bearerAuth(deps.tokens, { queryToken: true, basic: deps.basic }),
  });
  return app;
}
