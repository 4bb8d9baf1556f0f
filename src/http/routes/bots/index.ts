/**
 * /v1/bots: the bots themselves (./admin.ts), and everything a bot has under
 * /v1/bots/{name}/...: events, messages, message calls, files (the routes accounts share, in
 * ../owners/), and what only bots have: command menus (XEP-0050), rooms. Those are one sub-app, so the access check
 * and the bot lookup are declared once, for all of them (c.var.bot).
 */
import { FILE_TIMEOUT_MS } from "../../../messages/upload.js";
import { botLookup } from "../../access.js";
import { type BridgeApp, newApp, type RouteDeps } from "../../env.js";
import { forwardTimeout, forwardToHolder } from "../../forward.js";
import { registerEvents } from "../owners/events.js";
import { registerFiles } from "../owners/files.js";
import { registerMessageActions } from "../owners/message-actions.js";
import { registerMessages } from "../owners/messages.js";
import { BOT_MOUNT } from "../owners/mount.js";
import { registerRoomInvitations } from "../owners/room-invitations.js";
import { registerRooms } from "../owners/rooms.js";
import { registerBotAdmin } from "./admin.js";
import { registerCommands } from "./commands.js";
import { registerRoomAdmin } from "./rooms-admin.js";

export function registerBotRoutes(
  app: BridgeApp,
  deps: Pick<
    RouteDeps,
    | "registry"
    | "consumers"
    | "readAuth"
    | "store"
    | "outbound"
    | "rooms"
    | "messages"
    | "files"
    | "commands"
    | "streamLimits"
    | "log"
    | "holder"
    | "settings"
    | "accounts"
  >,
): void {
  // Every /v1/bots route: Bearer, or ?access_token= on GET for browsers.
  app.use("/v1/bots", deps.readAuth);
  app.use("/v1/bots/*", deps.readAuth);
  registerBotAdmin(app, deps);

  const bot = newApp();
  // Every path below /v1/bots/{name}/ (but not the bot itself, which PUT may create).
  bot.use("/:below{.+}", botLookup(deps.registry));
  if (deps.holder) forwardHolderOnly(bot, deps.holder, deps.settings);
  registerEvents(bot, deps, BOT_MOUNT);
  registerMessages(bot, deps, BOT_MOUNT);
  if (deps.messages) registerMessageActions(bot, deps.messages, BOT_MOUNT);
  if (deps.files) registerFiles(bot, deps.files, BOT_MOUNT);
  if (deps.commands) registerCommands(bot, deps.commands);
  if (deps.rooms) {
    registerRooms(bot, deps.rooms, BOT_MOUNT);
    registerRoomInvitations(bot, deps.rooms, BOT_MOUNT);
    registerRoomAdmin(bot, deps.rooms);
  }
  app.route("/v1/bots/:name", bot);
}

/**
 * What lives with the link, so another process passes it to the link holder: a bot's rooms
 * (seats, occupants, waits), the calls on a message already sent (it may have been said in a
 * room: the seat sends them), typing (to a room too), files (to a room too; with the
 * upload's own timeout), and command menus (the holder answers the users' discovery from its
 * menus, and a session waits there). Sending (POST /messages), history and events are served
 * by every process.
 */
const HOLDER_ONLY = [
  "/rooms",
  "/rooms/*",
  "/messages/:id{.+}",
  "/typing",
  "/commands",
  "/commands/*",
] as const;

function forwardHolderOnly(
  bot: BridgeApp,
  holder: NonNullable<RouteDeps["holder"]>,
  settings: RouteDeps["settings"],
): void {
  const forward = forwardToHolder(holder, { timeoutMs: forwardTimeout(settings) });
  for (const path of HOLDER_ONLY) bot.use(path, forward);
  // A file's upload may take as long as the bridge lets it.
  bot.use("/files", forwardToHolder(holder, { timeoutMs: FILE_TIMEOUT_MS + 10_000 }));
}
