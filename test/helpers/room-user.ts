import xml, { type Element } from "@xmpp/xml";
import type { XmppUser } from "./xmpp-user.js";

const MUC = "http://jabber.org/protocol/muc";
const MUC_USER = "http://jabber.org/protocol/muc#user";
const MUC_OWNER = "http://jabber.org/protocol/muc#owner";
const MUC_ADMIN = "http://jabber.org/protocol/muc#admin";
let sequence = 0;

const statusCodes = (presence: Element): string[] =>
  (presence.getChild("x", MUC_USER)?.getChildren("status") ?? []).map((s) => s.attrs.code ?? "");

/** The user's own presence back from the room (XEP-0045 §7.2.2: status 110). */
const isSelfPresence = (room: string) => (s: Element) =>
  s.name === "presence" &&
  s.attrs.type !== "error" &&
  (s.attrs.from ?? "").startsWith(`${room}/`) &&
  statusCodes(s).includes("110");

const isErrorFrom = (room: string) => (s: Element) =>
  s.name === "presence" && s.attrs.type === "error" && (s.attrs.from ?? "").startsWith(room);

/** A presence from room/nick of the given type (none: available). */
export const presenceFrom = (room: string, nick: string, type?: string) => (stanza: Element) =>
  stanza.name === "presence" &&
  stanza.attrs.from === `${room}/${nick}` &&
  stanza.attrs.type === type;

/** Sends an iq to the room and waits for its result; any other answer throws. */
async function askRoom(user: XmppUser, room: string, query: Element, what: string): Promise<void> {
  const id = `room-user-${++sequence}`;
  await user.send(xml("iq", { type: "set", to: room, id }, query));
  const reply = await user.waitFor(
    (s) => s.name === "iq" && s.attrs.id === id,
    10_000,
    `${what} answer from ${room}`,
  );
  if (reply.attrs.type !== "result") throw new Error(`${room} refused the ${what}: ${reply}`);
}

/**
 * The user joins `room` as `nick` (asking for no history) and, when the room is new
 * (status 201), submits its configuration: the given fields, or none for an instant room
 * (XEP-0045 §10.1.2), which unlocks it on Prosody. What the user received before is
 * forgotten, so later waits see only what came after. Resolves with the self-presence;
 * an error presence from the room throws.
 */
export async function joinRoom(
  user: XmppUser,
  room: string,
  nick: string,
  options: { public?: boolean; name?: string; config?: Record<string, string> } = {},
): Promise<Element> {
  user.received.length = 0;
  await user.send(
    xml(
      "presence",
      { to: `${room}/${nick}` },
      xml("x", { xmlns: MUC }, xml("history", { maxstanzas: "0" })),
    ),
  );
  const self = await user.waitFor(
    (s) => isSelfPresence(room)(s) || isErrorFrom(room)(s),
    10_000,
    `self-presence in ${room}`,
  );
  if (self.attrs.type === "error") throw new Error(`${user.jid} could not join ${room}: ${self}`);
  if (!statusCodes(self).includes("201")) return self;
  const fields: Element[] = [
    xml(
      "field",
      { var: "FORM_TYPE" },
      xml("value", {}, "http://jabber.org/protocol/muc#roomconfig"),
    ),
  ];
  const field = (name: string, value: string) =>
    fields.push(xml("field", { var: name }, xml("value", {}, value)));
  if (options.public !== undefined) {
    field("muc#roomconfig_publicroom", options.public ? "1" : "0");
  }
  for (const [name, value] of Object.entries(options.config ?? {})) field(name, value);
  if (options.name !== undefined) field("muc#roomconfig_roomname", options.name);
  await askRoom(
    user,
    room,
    xml(
      "query",
      { xmlns: MUC_OWNER },
      xml("x", { xmlns: "jabber:x:data", type: "submit" }, ...fields),
    ),
    "configuration",
  );
  return self;
}

/** Says `body` in the room and waits for the room's echo (XEP-0045 §7.4: sent to every occupant). */
export async function sayInRoom(user: XmppUser, room: string, body: string): Promise<Element> {
  const id = `say-${++sequence}`;
  await user.send(xml("message", { to: room, type: "groupchat", id }, xml("body", {}, body)));
  return user.waitFor(
    (s) => s.name === "message" && s.attrs.type === "groupchat" && s.getChildText("body") === body,
    10_000,
    `echo of '${body}' from ${room}`,
  );
}

/** The room's owner makes `jid` a member (XEP-0045 §9.3), so it may enter a members-only room. */
export async function grantMembership(owner: XmppUser, room: string, jid: string): Promise<void> {
  const item = xml("item", { affiliation: "member", jid });
  await askRoom(owner, room, xml("query", { xmlns: MUC_ADMIN }, item), "membership");
}

/** A moderator kicks `nick` (XEP-0045 §8.2); resolves on the room's result. */
export async function kick(user: XmppUser, room: string, nick: string, reason: string) {
  const item = xml("item", { nick, role: "none" }, xml("reason", {}, reason));
  await askRoom(user, room, xml("query", { xmlns: MUC_ADMIN }, item), "kick");
}

/**
 * The user asks to enter `room` as `nick` and resolves with the room's answer: its
 * self-presence, or its error presence (a members-only room, a ban). Nothing is configured.
 */
export async function tryToEnter(user: XmppUser, room: string, nick: string): Promise<Element> {
  user.received.length = 0;
  await user.send(
    xml(
      "presence",
      { to: `${room}/${nick}` },
      xml("x", { xmlns: MUC }, xml("history", { maxstanzas: "0" })),
    ),
  );
  return user.waitFor(
    (s) => isSelfPresence(room)(s) || isErrorFrom(room)(s),
    10_000,
    `${room}'s answer to entering`,
  );
}

/** The condition of an error stanza (RFC 6120 §8.3.3), undefined for any other. */
export function errorCondition(stanza: Element): string | undefined {
  if (stanza.attrs.type !== "error") return undefined;
  return stanza
    .getChild("error")
    ?.getChildElements()
    .find((c) => c.attrs.xmlns === "urn:ietf:params:xml:ns:xmpp-stanzas" && c.name !== "text")
    ?.name;
}

/** What the room says of itself to the user (XEP-0045 §6.4: disco#info); the whole iq reply. */
export async function roomInfo(user: XmppUser, room: string): Promise<Element> {
  const id = `room-info-${++sequence}`;
  await user.send(
    xml(
      "iq",
      { type: "get", to: room, id },
      xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }),
    ),
  );
  return user.waitFor((s) => s.name === "iq" && s.attrs.id === id, 10_000, `disco#info of ${room}`);
}

/** The room's features and name in a disco#info reply. */
export function infoOf(reply: Element): { name: string | undefined; features: string[] } {
  const query = reply.getChild("query", "http://jabber.org/protocol/disco#info");
  return {
    name: query?.getChildren("identity").find((i) => i.attrs.category === "conference")?.attrs.name,
    features: (query?.getChildren("feature") ?? []).map((f) => f.attrs.var ?? ""),
  };
}

/** The owner gives `jid` an affiliation (XEP-0045 §9, §10): admin makes it a moderator. */
export async function grantAffiliation(
  owner: XmppUser,
  room: string,
  jid: string,
  affiliation: "member" | "admin" | "owner" | "none" | "outcast",
): Promise<void> {
  const item = xml("item", { affiliation, jid });
  await askRoom(owner, room, xml("query", { xmlns: MUC_ADMIN }, item), affiliation);
}

/** The muc#user item of a presence from a room: role, affiliation, reason, status codes. */
export function mucItem(presence: Element) {
  const x = presence.getChild("x", MUC_USER);
  const item = x?.getChild("item");
  return {
    role: item?.attrs.role,
    affiliation: item?.attrs.affiliation,
    reason: item?.getChildText("reason") ?? undefined,
    codes: statusCodes(presence),
    destroy: x?.getChild("destroy"),
  };
}

/** The user leaves the room (XEP-0045 §7.14) and waits for the room to confirm it. */
export async function leaveRoom(user: XmppUser, room: string, nick: string): Promise<void> {
  await user.send(xml("presence", { to: `${room}/${nick}`, type: "unavailable" }));
  await user.waitFor(presenceFrom(room, nick, "unavailable"), 10_000, `leaving ${room}`);
}
