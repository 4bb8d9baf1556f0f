/**
 * /v1/bots: the bots themselves (./admin.ts), and everything a bot has under
 * /v1/bots/{name}/...: events, messages, rooms. Those are one sub-app, so the access check
 * and the bot lookup are declared once, for all of them (c.var.bot).
 */
import { botLookup } from "../../access.js";
import { type BridgeApp, newApp, type RouteDeps } from "../../env.js";
import { forwardTimeout, forwardToHolder } from "../../forward.js";
import { registerBotAdmin } from "./admin.js";
import { registerEvents } from "./events.js";
import { registerMessages } from "./messages.js";
import { registerRoomInvitations } from "./room-invitations.js";
import { registerRooms } from "./rooms.js";

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
    | "streamLimits"
    | "log"
    | "holder"
    | "settings"
  >,
): void {
  // Every /v1/bots route: Bearer, or ?access_token= on GET for browsers.
  app.use("/v1/bots", deps.readAuth);
  app.use("/v1/bots/*", deps.readAuth);
  registerBotAdmin(app, deps);

  const bot = newApp();
  // Every path below /v1/bots/{name}/ (but not the bot itself, which PUT may create).
  bot.use("/:below{.+}", botLookup(deps.registry));
  registerEvents(bot, deps);
  registerMessages(bot, deps);
  if (deps.rooms) {
    // A bot's rooms live with the link: another process passes these requests to its holder.
    if (deps.holder) {
      const forward = forwardToHolder(deps.holder, { timeoutMs: forwardTimeout(deps.settings) });
      bot.use("/rooms", forward);
      bot.use("/rooms/*", forward);
    }
    registerRooms(bot, deps.rooms);
    registerRoomInvitations(bot, deps.rooms);
  }
  app.route("/v1/bots/:name", bot);
}
