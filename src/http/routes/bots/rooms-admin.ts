/**
 * Room administration for bots (README, "Rooms"): configuration, affiliations, roles. `{room}`
 * is the room's bare JID. The rooms service asks the room; these handlers read the request and
 * answer. The spec is in ./rooms-admin.spec.ts.
 */
import { botOwner } from "../../../owner.js";
import { affiliationJid, nickName, roomAddress, xmlText } from "../../../rooms/address.js";
import { checkRoomConfig } from "../../../rooms/config.js";
import type { Rooms } from "../../../rooms/index.js";
import type { BridgeApp } from "../../env.js";
import {
  getConfigRoute,
  listAffiliationsRoute,
  patchConfigRoute,
  putAffiliationRoute,
  putRoleRoute,
} from "./rooms-admin.spec.js";

const reasonOf = (reason: string | undefined) =>
  reason === undefined ? undefined : xmlText(reason, "reason");

export function registerRoomAdmin(app: BridgeApp, rooms: Rooms): void {
  app.openapi(getConfigRoute, async (c) => {
    const room = roomAddress(c.req.valid("param").room);
    return c.json(await rooms.config(botOwner(c.var.bot.name), room), 200);
  });

  app.openapi(patchConfigRoute, async (c) => {
    const room = roomAddress(c.req.valid("param").room);
    const config = checkRoomConfig(c.req.valid("json"));
    const changed = await rooms.configure(botOwner(c.var.bot.name), room, config);
    return c.json({ ...changed.config, ignored: [...changed.ignored] }, 200);
  });

  app.openapi(listAffiliationsRoute, async (c) => {
    const room = roomAddress(c.req.valid("param").room);
    const { affiliation } = c.req.valid("query");
    return c.json(await rooms.affiliations(botOwner(c.var.bot.name), room, affiliation), 200);
  });

  app.openapi(putAffiliationRoute, async (c) => {
    const params = c.req.valid("param");
    const room = roomAddress(params.room);
    const jid = affiliationJid(params.jid, "jid");
    const { affiliation, reason } = c.req.valid("json");
    await rooms.setAffiliation(botOwner(c.var.bot.name), room, jid, affiliation, reasonOf(reason));
    return c.body(null, 204);
  });

  app.openapi(putRoleRoute, async (c) => {
    const params = c.req.valid("param");
    const room = roomAddress(params.room);
    const nick = nickName(params.nick);
    const { role, reason } = c.req.valid("json");
    await rooms.setRole(botOwner(c.var.bot.name), room, nick, role, reasonOf(reason));
    return c.body(null, 204);
  });
}
