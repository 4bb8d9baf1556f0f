/**
 * /v1/accounts: the accounts themselves (./admin.ts), and everything an account has under
 * /v1/accounts/{jid}/...: events, messages, message calls, files and rooms, the same routes as
 * a bot's (same shapes, same rules; ../owners/), and what only accounts have: contacts,
 * presence and conversations. Command menus (XEP-0050) are bots' only. The access check and
 * the lookup are declared once (c.var.account, c.var.subject).
 */
import { accountLookup } from "../../access.js";
import { type BridgeApp, newApp, type RouteDeps } from "../../env.js";
import { registerEvents } from "../owners/events.js";
import { registerFiles } from "../owners/files.js";
import { registerMessageActions } from "../owners/message-actions.js";
import { registerMessages } from "../owners/messages.js";
import { ACCOUNT_MOUNT } from "../owners/mount.js";
import { registerRoomInvitations } from "../owners/room-invitations.js";
import { registerRooms } from "../owners/rooms.js";
import { registerAccountAdmin } from "./admin.js";
import { registerContacts } from "./contacts.js";
import { registerConversations } from "./conversations.js";

export function registerAccountRoutes(
  app: BridgeApp,
  deps: Pick<
    Required<RouteDeps>,
    "accounts" | "consumers" | "readAuth" | "store" | "outbound" | "streamLimits" | "log"
  > &
    Pick<RouteDeps, "rooms" | "messages" | "files">,
): void {
  app.use("/v1/accounts", deps.readAuth);
  app.use("/v1/accounts/*", deps.readAuth);
  registerAccountAdmin(app, deps);

  const account = newApp();
  account.use("/:below{.+}", accountLookup(deps.accounts));
  registerEvents(account, deps, ACCOUNT_MOUNT);
  registerMessages(account, deps, ACCOUNT_MOUNT);
  registerContacts(account, deps, ACCOUNT_MOUNT);
  registerConversations(account, deps, ACCOUNT_MOUNT);
  if (deps.messages) registerMessageActions(account, deps.messages, ACCOUNT_MOUNT);
  if (deps.rooms) {
    registerRooms(account, deps.rooms, ACCOUNT_MOUNT);
    registerRoomInvitations(account, deps.rooms, ACCOUNT_MOUNT);
  }
  if (deps.files) registerFiles(account, deps.files, ACCOUNT_MOUNT);
  app.route("/v1/accounts/:jid", account);
}
