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
 *    collaborators you need (`Pick<RouteDeps, "auth" | "store">`); add new ones to RouteDeps.
 *
 * Hot paths whose bodies are read raw (POST /rest, several content types, see ../body.ts) use
 * documentedRoute(): the operation is in the spec, but no zod runs on the request.
 */
import type { OpenAPIHono, RouteConfig } from "@hono/zod-openapi";
import type { Handler, MiddlewareHandler } from "hono";
import type { Bots } from "../../bots/index.js";
import type { Principal } from "../../bots/registry.js";
import type { Config } from "../../config.js";
import type { Logger } from "../../log.js";
import type { Metrics } from "../../metrics.js";
import type { Rooms } from "../../rooms/index.js";
import type { EventLog } from "../../store/events.js";
import type { HistoryStore } from "../../store/history.js";
import type { RoomStore } from "../../store/rooms.js";
import type { Consumers } from "../../stream/consumers.js";
import type { StreamLimits } from "../../stream/limits.js";
import type { Bounces } from "../../xmpp/bounces.js";
import type { IqTracker } from "../../xmpp/iq-tracker.js";
import type { Link } from "../../xmpp/link.js";
import { registerBots } from "./bots.js";
import { type DeliveriesView, registerDeliveries } from "./deliveries.js";
import { registerDocs } from "./docs.js";
import { registerEvents } from "./events.js";
import { registerHealth } from "./health.js";
import { registerMessages } from "./messages.js";
import { registerMetrics } from "./metrics.js";
import { registerOpenApi } from "./openapi.js";
import { registerRest } from "./rest.js";
import { registerRoomDirectory } from "./room-directory.js";
import { registerRoomInvitations } from "./room-invitations.js";
import { registerRooms } from "./rooms.js";

/** Per-request values handlers and middleware share through c.var. */
export interface AppEnv {
  Variables: {
    /** Identifies the request in log lines and the X-Request-Id response header. */
    requestId: string;
    /** Who the bearer token belongs to: an admin, or one bot (set by the auth middleware). */
    principal: Principal;
  };
}

export type BridgeApp = OpenAPIHono<AppEnv>;

/** Everything a route module may need; each one narrows it with Pick<>. */
export interface RouteDeps {
  readonly config: Config;
  readonly link: Link;
  readonly iqs: IqTracker;
  readonly log: Logger;
  /** Bearer authentication against admin and bot tokens (one instance, one cache). */
  readonly auth: MiddlewareHandler<AppEnv>;
  /** Where modules register and update their Prometheus instruments. */
  readonly metrics: Metrics;
  /** The webhook's delivery backlog (absent in tests of the HTTP layer alone). */
  readonly deliveries?: DeliveriesView;
  /**
   * The same, also taking `?access_token=` on GET (RFC 6750 §2.3): for the /v1 reads
   * a browser makes with EventSource or WebSocket, which cannot set Authorization.
   */
  readonly readAuth: MiddlewareHandler<AppEnv>;
  readonly bots: Pick<Bots, "registry" | "inboundIqs" | "recordOutgoing">;
  readonly store: EventLog & HistoryStore & RoomStore;
  /** Rooms (XEP-0045) of the bots (absent in tests of the HTTP layer alone). */
  readonly rooms?: Rooms;
  /** Error replies to messages the bridge waits on (room invitations); with rooms. */
  readonly bounces?: Bounces;
  readonly consumers: Consumers;
  readonly streamLimits: StreamLimits;
}

/**
 * Puts an operation in the spec and routes it to a handler that reads the request
 * itself (no zod on params or body). `honoPath` is for paths OpenAPI cannot say,
 * such as a last parameter that takes the rest of the path.
 */
export function documentedRoute(
  app: BridgeApp,
  route: RouteConfig,
  handler: Handler<AppEnv>,
  honoPath = route.path.replaceAll(/\{([^}]+)\}/g, ":$1"),
): void {
  app.openAPIRegistry.registerPath(route);
  app.on(route.method.toUpperCase(), honoPath, handler);
}

export function registerRoutes(app: BridgeApp, deps: RouteDeps): void {
  registerHealth(app, deps);
  registerRest(app, deps);
  registerMetrics(app, deps);
  if (deps.deliveries) registerDeliveries(app, { ...deps, deliveries: deps.deliveries });
  registerBots(app, deps);
  registerEvents(app, deps);
  registerMessages(app, deps);
  if (deps.rooms) registerRooms(app, { ...deps, rooms: deps.rooms });
  if (deps.rooms && deps.bounces) {
    registerRoomInvitations(app, { ...deps, rooms: deps.rooms, bounces: deps.bounces });
  }
  registerRoomDirectory(app, deps);
  registerOpenApi(app);
  registerDocs(app);
}
