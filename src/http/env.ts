/**
 * What every route module shares: the per-request variables, the app type, the collaborators
 * they are given, and documentedRoute(). Route modules import from here, never from
 * ./routes/index.ts (which imports them) or from each other.
 */
import { type Hook, OpenAPIHono, type RouteConfig } from "@hono/zod-openapi";
import type { Handler, MiddlewareHandler } from "hono";
import type { Principal } from "../access/principal.js";
import type { Account, Accounts } from "../accounts/index.js";
import type { BasicLogins } from "../accounts/logins.js";
import type { Bot, BotRegistry } from "../bots/registry.js";
import type { Commands } from "../commands/index.js";
import type { Logger } from "../log.js";
import type { MessageActions } from "../messages/actions.js";
import type { Files } from "../messages/files.js";
import type { Metrics } from "../metrics.js";
import type { Outbound } from "../outbound/index.js";
import type { Owner } from "../owner.js";
import type { RoomDirectory } from "../rooms/directory.js";
import type { Rooms } from "../rooms/index.js";
import type { ConnectionState } from "../stanza/connection-states.js";
import { StanzaError } from "../stanza/errors.js";
import type { EventLog } from "../store/events.js";
import type { HistoryStore } from "../store/history.js";
import type { Backlog, DeliveryQuery } from "../store/index.js";
import type { Consumers } from "../stream/consumers.js";
import type { StreamLimits } from "../stream/limits.js";
import type { RetryResult, WebhookDelivery } from "../webhook/index.js";
import { errorResponse } from "./errors.js";

/** Per-request values handlers and middleware share through c.var. */
export interface AppEnv {
  Variables: {
    /** Identifies the request in log lines and the X-Request-Id response header. */
    requestId: string;
    /** Who the bearer token belongs to: an admin, or one owner (set by the auth middleware). */
    principal: Principal;
    /** The bot a /v1/bots/{name}/... request is about, once access to it is checked. */
    bot: Bot;
    /** The account a /v1/accounts/{jid}/... or /v1/me/... request is about. */
    account: Account;
    /** The owner (bot or account) the request is about: what the owner-generic routes read. */
    subject: Subject;
  };
}

/**
 * The owner a route under /v1/bots/{name}/, /v1/accounts/{jid}/ or /v1/me/ is about, as the
 * routes they share (events, messages) need it: same shapes, same rules.
 */
export interface Subject {
  readonly owner: Owner;
  /** It receives by webhook (its log is not for pulling). */
  readonly webhook: boolean;
  /** How errors name it: `bot "echo"`, `account alice@example.org`. */
  readonly describe: string;
}

/** What the HTTP layer uses of the accounts. */
export type AccountsApi = Pick<
  Accounts,
  | "get"
  | "list"
  | "put"
  | "delete"
  | "history"
  | "rosterOf"
  | "presenceOf"
  | "setPresence"
  | "conversationsOf"
  | "markRead"
>;

export type BridgeApp = OpenAPIHono<AppEnv>;

/** The settings the HTTP layer reads (the wiring passes the whole configuration). */
export interface HttpSettings {
  /** The component's domain. */
  readonly domain: string;
  readonly iqTimeoutMs: number;
  readonly iqMaxTimeoutMs: number;
  /** Largest request body accepted, bytes. */
  readonly stanzaSizeLimit: number;
  /** Largest stanza the server takes, as written (what /rest/echo checks against). */
  readonly serverStanzaLimit: number;
  /** Undefined: GET /metrics needs no token. */
  readonly metricsToken: string | undefined;
  /** Web origins allowed to call the API from a browser (CORS); undefined: none. */
  readonly corsOrigins?: readonly string[] | undefined;
}

/** What the admin routes and /health need of the delivery side. */
export interface DeliveriesView {
  list(query: DeliveryQuery): Promise<WebhookDelivery[]>;
  backlog(): Promise<Backlog>;
  retry(id: string): Promise<RetryResult>;
}

/** What /health reports of the XMPP side. */
export interface LinkStatus {
  readonly state: ConnectionState;
  readonly pendingIq: number;
  /** Several processes on one database: whether this one holds the link, and its lease's epoch. */
  readonly role?: "holder" | "standby" | undefined;
  readonly epoch?: string | undefined;
  /** Several processes: whether the database answers. */
  readonly database?: "up" | "down" | undefined;
}

/** Where the process holding the XMPP link is (several processes on one database). */
export interface HolderLocation {
  /** This process holds the link: serve the request here. */
  local(): boolean;
  /** The holder's HTTP API; undefined while nobody holds the link. */
  url(): Promise<string | undefined>;
}

/** Everything a route module may need; each one narrows it with Pick<>. */
export interface RouteDeps {
  readonly settings: HttpSettings;
  readonly log: Logger;
  /** Bearer authentication against admin and owner tokens (one instance, one cache). */
  readonly auth: MiddlewareHandler<AppEnv>;
  /**
   * The same, also taking `?access_token=` on GET (RFC 6750 §2.3): for the /v1 reads
   * a browser makes with EventSource or WebSocket, which cannot set Authorization.
   */
  readonly readAuth: MiddlewareHandler<AppEnv>;
  /** Where modules register and update their Prometheus instruments. */
  readonly metrics: Metrics;
  readonly outbound: Outbound;
  readonly linkStatus: () => LinkStatus;
  /** The webhook's delivery backlog (absent in tests of the HTTP layer alone). */
  readonly deliveries?: DeliveriesView | undefined;
  readonly registry: BotRegistry;
  readonly store: Pick<
    EventLog,
    "readEvents" | "lastEventId" | "watchEvents" | "ackedEventId" | "acknowledge"
  > &
    Pick<HistoryStore, "pageHistory">;
  /** Rooms (XEP-0045) of the bots (absent in tests of the HTTP layer alone). */
  readonly rooms?: Rooms | undefined;
  /** Edit, delete, react, read, typing, moderation (absent in tests of the HTTP layer alone). */
  readonly messages?: MessageActions | undefined;
  /** Files in one request: XEP-0363 upload, then the message (absent in tests of the HTTP layer alone). */
  readonly files?: Files | undefined;
  /** The bots' command menus, XEP-0050 (absent in tests of the HTTP layer alone). */
  readonly commands?: Commands | undefined;
  /** The accounts (absent in tests of the HTTP layer alone). */
  readonly accounts?: AccountsApi | undefined;
  /** Browser tokens for users who log in themselves (absent when Basic logins are off). */
  readonly logins?: Pick<BasicLogins, "issueToken"> | undefined;
  /** Public rooms of a MUC service (absent in tests of the HTTP layer alone). */
  readonly directory?: RoomDirectory | undefined;
  readonly consumers: Consumers;
  readonly streamLimits: StreamLimits;
  /**
   * Several processes on one database: where the link holder is, for the requests only it can
   * serve (rooms), which other processes pass to it (./forward.ts). Absent: this process is
   * the only one.
   */
  readonly holder?: HolderLocation | undefined;
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

/** An app (or a sub-app mounted with route()) whose schemas answer in the bridge's error format. */
export function newApp(): BridgeApp {
  return new OpenAPIHono<AppEnv>({ defaultHook: schemaHook });
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
