/**
 * Rooms (XEP-0045) for an owner (a bot, or an account: the same rooms code on its seat): join (with a configuration and members), leave or destroy, list,
 * one room's details, post, subject, and what was said there (README, "Rooms"); the
 * administration routes are in ./rooms-admin.ts. `{room}` is the room's bare JID. The rooms service decides; these
 * handlers read the request and answer. The spec is in ./rooms.spec.ts.
 */
import { jsonToStanza } from "../../../formats/json/index.js";
import type { Owner } from "../../../owner.js";
import { affiliationJid, nickName, roomAddress, xmlText } from "../../../rooms/address.js";
import { checkRoomConfig } from "../../../rooms/config.js";
import { archiveBefore } from "../../../rooms/history.js";
import type { Rooms, RoomView } from "../../../rooms/index.js";
import { badRequest, unprocessable } from "../../../stanza/errors.js";
import type { BridgeApp } from "../../env.js";
import { historyLimit, parseAfter } from "../../params.js";
import { optionalId } from "../bots/params.js";
import type { Mount } from "./mount.js";
import {
  getRoute,
  historyRoute,
  joinRoute,
  leaveRoute,
  listRoute,
  postRoute,
  subjectRoute,
} from "./rooms.spec.js";

/** Fields of the JSON mapping the bridge sets itself on a room message. */
const SET_BY_BRIDGE = ["to", "from", "type"] as const;

/** The fields of a room post as a groupchat message (to, from and type are the bridge's). */
function roomMessage(fields: Record<string, unknown>, room: string) {
  for (const name of SET_BY_BRIDGE) {
    if (fields[name] !== undefined && !(name === "type" && fields[name] === "groupchat")) {
      throw unprocessable(
        `"${name}" is set by the bridge for a room message (to the room, from the bot, groupchat)`,
      );
    }
  }
  if (fields.kind !== undefined && fields.kind !== "message") {
    throw unprocessable(`"kind" must be message here`);
  }
  if (typeof fields.body === "string") xmlText(fields.body, "body");
  const stanza = jsonToStanza({ ...fields, kind: "message", type: "groupchat", to: room });
  stanza.attrs.id ??= crypto.randomUUID();
  return stanza;
}

/** A room in the answer's shape: times in RFC 3339 (the rooms and the store keep milliseconds). */
function roomJson(room: RoomView) {
  return {
    ...room,
    occupants: [...room.occupants],
    joinedAt: new Date(room.joinedAt).toISOString(),
  };
}

/** The nick an owner joins with when none is given: a bot's name, an account's localpart. */
const defaultNick = (owner: Owner) =>
  owner.kind === "bot" ? owner.name : owner.jid.slice(0, owner.jid.indexOf("@"));

export function registerRooms(app: BridgeApp, rooms: Rooms, mount: Mount): void {
  app.openapi(joinRoute(mount), async (c) => {
    const owner = c.var.subject.owner;
    const room = roomAddress(c.req.valid("param").room);
    const body = c.req.valid("json") ?? {};
    const nick = nickName(body.nick ?? defaultNick(owner));
    const password = body.password === undefined ? undefined : xmlText(body.password, "password");
    const config = body.config && checkRoomConfig(body.config, "config.");
    const members = body.members?.map((jid, i) => affiliationJid(jid, `members[${i}]`));
    const joined = await rooms.join(owner, room, {
      nick,
      password,
      history: body.history,
      config,
      members,
    });
    const { room: view, created, ignored } = joined;
    const answer = { ...roomJson(view), created };
    return c.json(ignored ? { ...answer, ignored: [...ignored] } : answer, 200);
  });

  app.openapi(leaveRoute(mount), async (c) => {
    const owner = c.var.subject.owner;
    const room = roomAddress(c.req.valid("param").room);
    const { destroy, reason, alternate } = c.req.valid("query");
    if (destroy !== "true") {
      if (reason !== undefined || alternate !== undefined) {
        throw badRequest("reason and alternate go with destroy=true (leaving takes neither)");
      }
      await rooms.leave(owner, room);
      return c.body(null, 204);
    }
    await rooms.destroy(owner, room, {
      reason: reason === undefined ? undefined : xmlText(reason, "reason"),
      alternate: alternate === undefined ? undefined : roomAddress(alternate, "alternate"),
    });
    return c.body(null, 204);
  });

  app.openapi(listRoute(mount), (c) => {
    const list = rooms.list(c.var.subject.owner);
    return c.json({ rooms: list.map(roomJson) }, 200);
  });

  app.openapi(getRoute(mount), async (c) => {
    const room = roomAddress(c.req.valid("param").room);
    const details = await rooms.details(c.var.subject.owner, room);
    return c.json({ ...details, ...roomJson(details) }, 200);
  });

  app.openapi(postRoute(mount), async (c) => {
    const room = roomAddress(c.req.valid("param").room);
    const { replyTo, ...fields } = c.req.valid("json") as Record<string, unknown>;
    const stanza = roomMessage(fields, room);
    const replying = optionalId(replyTo, "replyTo");
    const id = await rooms.post(c.var.subject.owner, room, stanza, { replyTo: replying });
    return c.json({ id }, 202);
  });

  app.openapi(historyRoute(mount), async (c) => {
    const room = roomAddress(c.req.valid("param").room);
    const query = c.req.valid("query");
    const limit = historyLimit(query.limit);
    const before =
      archiveBefore(query.before) === undefined ? parseAfter(query.before, "before") : query.before;
    const after = parseAfter(query.after, "after");
    const page = await rooms.history(c.var.subject.owner, room, { before, after, limit });
    return c.json({ ...page, messages: [...page.messages] }, 200);
  });

  app.openapi(subjectRoute(mount), async (c) => {
    const room = roomAddress(c.req.valid("param").room);
    const subject = xmlText(c.req.valid("json").subject, "subject");
    const view = await rooms.setSubject(c.var.subject.owner, room, subject);
    return c.json(roomJson(view), 200);
  });
}
