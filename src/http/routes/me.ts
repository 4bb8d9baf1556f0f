/**
 * /v1/me: the caller's own account, for users who log in themselves (README, "Accounts"):
 * Basic credentials (or a token of the account) open or reuse its session. Its events,
 * messages, message calls and files are the same routes as /v1/accounts/{jid}/...; POST /v1/me/token gives a
 * short-lived token for a browser's EventSource and WebSocket, which cannot send
 * Authorization (use it as ?access_token=).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { notAllowed } from "../../stanza/errors.js";
import { meLookup } from "../access.js";
import { type BridgeApp, newApp, type RouteDeps } from "../env.js";
import { accountSecurity, authErrors, errorResponse } from "../schemas.js";
import { AccountView, accountJson } from "./accounts/admin.js";
import { registerContacts } from "./accounts/contacts.js";
import { registerConversations } from "./accounts/conversations.js";
import { json } from "./bots/params.js";
import { registerEvents } from "./owners/events.js";
import { registerFiles } from "./owners/files.js";
import { registerMessageActions } from "./owners/message-actions.js";
import { registerMessages } from "./owners/messages.js";
import { ME_MOUNT } from "./owners/mount.js";
import { registerRoomInvitations } from "./owners/room-invitations.js";
import { registerRooms } from "./owners/rooms.js";

const security = accountSecurity;

const meRoute = createRoute({
  method: "get",
  path: "/v1/me",
  tags: ["me"],
  summary: "Your account (Basic jid:password, or its token)",
  security,
  responses: {
    200: json(AccountView, "The account, its session's state"),
    ...authErrors,
    429: errorResponse("Too many failed logins (Retry-After says when to try again)"),
  },
});

const tokenRoute = createRoute({
  method: "post",
  path: "/v1/me/token",
  tags: ["me"],
  summary: "A short-lived token for a browser's streams",
  description:
    "EventSource and WebSocket cannot send Authorization: pass this as ?access_token= on GET /v1/me/events. It is valid for expiresIn seconds and while the session is open.",
  security,
  responses: {
    200: json(
      z.object({ token: z.string(), expiresIn: z.number().int() }).openapi("BrowserToken"),
      "The token",
    ),
    ...authErrors,
    409: errorResponse("Basic logins are off (XMPP_REST_ACCOUNT_DOMAINS)"),
    429: errorResponse("Too many failed logins (Retry-After says when to try again)"),
  },
});

export function registerMe(
  app: BridgeApp,
  deps: Pick<
    Required<RouteDeps>,
    "accounts" | "consumers" | "readAuth" | "store" | "outbound" | "streamLimits" | "log"
  > &
    Pick<RouteDeps, "rooms" | "logins" | "messages" | "files">,
): void {
  app.use("/v1/me", deps.readAuth);
  app.use("/v1/me/*", deps.readAuth);
  const lookup = meLookup(deps.accounts);

  app.openapi(meRoute, async (c) => {
    await lookup(c, async () => {});
    return c.json(accountJson(c.var.account, deps.consumers), 200);
  });

  app.openapi(tokenRoute, async (c) => {
    await lookup(c, async () => {});
    if (!deps.logins) {
      throw notAllowed("Basic logins are off: the operator lists no XMPP_REST_ACCOUNT_DOMAINS");
    }
    return c.json(deps.logins.issueToken(c.var.account.jid), 200);
  });

  const me = newApp();
  me.use("*", lookup);
  registerEvents(me, deps, ME_MOUNT);
  registerMessages(me, deps, ME_MOUNT);
  registerContacts(me, deps, ME_MOUNT);
  registerConversations(me, deps, ME_MOUNT);
  if (deps.messages) registerMessageActions(me, deps.messages, ME_MOUNT);
  if (deps.rooms) {
    registerRooms(me, deps.rooms, ME_MOUNT);
    registerRoomInvitations(me, deps.rooms, ME_MOUNT);
  }
  if (deps.files) registerFiles(me, deps.files, ME_MOUNT);
  app.route("/v1/me", me);
}
