/**
 * The bridge's HTTP routes, one module per area; createApp() (../app.ts) calls
 * registerRoutes() and serves the spec they describe at GET /openapi.json.
 *
 * Adding a /v1 route (the pattern every module follows)
 * ------------------------------------------------------
 * 1. In `routes/<area>.ts`, describe the operation once with createRoute(): the
 *    spec and the validation both come from it, so they cannot drift.
 *
 *      import { createRoute, z } from "@hono/zod-openapi";
 *      import type { BridgeApp, RouteDeps } from "../env.js";
 *      import { authErrors, bearerSecurity, bodyErrors, errorResponse } from "../schemas.js";
 *
 *      const Thing = z.object({ name: z.string().min(1) }).openapi("Thing");
 *      const createThing = createRoute({
 *        method: "post",
 *        path: "/v1/things/{id}",                      // OpenAPI {param} syntax
 *        tags: ["things"],
 *        summary: "Create a thing",
 *        security: bearerSecurity,
 *        middleware: [deps.auth] as const,            // the one bearer check, shared
 *        request: {
 *          params: z.object({ id: z.string() }),
 *          body: { required: true, content: { "application/json": { schema: Thing } } },
 *        },
 *        responses: {
 *          201: { description: "Created", content: { "application/json": { schema: Thing } } },
 *          ...authErrors,
 *          ...bodyErrors,                             // 400 not JSON, 415, 422 wrong shape
 *          404: errorResponse("No such thing"),
 *        },
 *      });
 *
 * 2. Register it with `app.openapi(createThing, (c) => { const body = c.req.valid("json"); ... })`.
 *    A body that is not JSON gets 400 and one that misses the schema 422, both in the bridge's
 *    error format (app.ts's defaultHook and onError); handlers throw StanzaError for the rest.
 * 3. Export `registerThings(app, deps)` and call it from registerRoutes() below. Take only the
 *    collaborators you need (`Pick<RouteDeps, "auth" | "store">`); add new ones to RouteDeps
 *    (../env.ts). Route modules import from ../env.ts, never from this file or each other.
 *    Routes under /v1/bots/{name}/ belong to the bots sub-app (./bots/index.ts), which checks
 *    access and looks the bot up once (c.var.bot); their paths are relative to it.
 *    A route file with a large spec keeps it beside it (rest.spec.ts, bots/rooms.spec.ts).
 *
 * Hot paths whose bodies are read raw (POST /rest, several content types, see ../body.ts) use
 * documentedRoute(): the operation is in the spec, but no zod runs on the request.
 */
import type { BridgeApp, RouteDeps } from "../env.js";
import { forwardTimeout, forwardToHolder } from "../forward.js";
import { registerAccountRoutes } from "./accounts/index.js";
import { registerBotRoutes } from "./bots/index.js";
import { registerDeliveries } from "./deliveries.js";
import { registerDocs } from "./docs.js";
import { registerHealth } from "./health.js";
import { registerMe } from "./me.js";
import { registerMetrics } from "./metrics.js";
import { registerOpenApi } from "./openapi.js";
import { registerRest } from "./rest.js";
import { registerRoomDirectory } from "./room-directory.js";

export function registerRoutes(app: BridgeApp, deps: RouteDeps): void {
  registerHealth(app, deps);
  registerRest(app, deps);
  registerMetrics(app, deps);
  if (deps.deliveries) registerDeliveries(app, { ...deps, deliveries: deps.deliveries });
  registerBotRoutes(app, deps);
  if (deps.accounts) {
    // Several processes: the accounts (their sessions, tokens, logins) live with the link holder.
    if (deps.holder) {
      const forward = forwardToHolder(deps.holder, { timeoutMs: forwardTimeout(deps.settings) });
      for (const path of ["/v1/accounts", "/v1/accounts/*", "/v1/me", "/v1/me/*"]) {
        app.use(path, forward);
      }
    }
    registerAccountRoutes(app, { ...deps, accounts: deps.accounts });
    registerMe(app, { ...deps, accounts: deps.accounts });
  }
  if (deps.directory) {
    // The directory asks the MUC service over the link: another process passes it to the holder.
    if (deps.holder) {
      app.use(
        "/v1/rooms",
        forwardToHolder(deps.holder, { timeoutMs: forwardTimeout(deps.settings) }),
      );
    }
    registerRoomDirectory(app, { ...deps, directory: deps.directory });
  }
  registerOpenApi(app);
  registerDocs(app);
}
