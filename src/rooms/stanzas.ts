/** The stanzas a seat sends to rooms (XEP-0045), built in one place. */
import xml, { type Element } from "@xmpp/xml";
import { NS } from "../stanza/ns.js";

export interface JoinOptions {
  readonly password?: string | undefined;
  /** Messages of discussion history to ask for (§7.2.14); 0 asks for none. */
  readonly history: number;
}

/** Entering a room (§7.2.1), also a nick change when already in (§7.6). */
export function joinPresence(from: string, room: string, nick: string, options: JoinOptions) {
  const x = xml("x", { xmlns: NS.muc }, xml("history", { maxstanzas: String(options.history) }));
  if (options.password !== undefined) x.append(xml("password", {}, options.password));
  return xml("presence", { from, to: `${room}/${nick}` }, x);
}

/** Leaving (§7.14). */
export function leavePresence(from: string, room: string, nick: string): Element {
  return xml("presence", { from, to: `${room}/${nick}`, type: "unavailable" });
}

/** Accepts the default configuration of a room the bot just created: an instant room (§10.1.2). */
export function instantRoom(from: string, room: string, id: string): Element {
  return xml(
    "iq",
    { from, to: room, type: "set", id },
    xml("query", { xmlns: NS.mucOwner }, xml("x", { xmlns: NS.data, type: "submit" })),
  );
}

/** A subject change (§8.1): a groupchat message with a subject and no body. */
export function subjectMessage(from: string, room: string, subject: string, id: string): Element {
  return xml("message", { from, to: room, type: "groupchat", id }, xml("subject", {}, subject));
}

/** An owner request (XEP-0045 §10): the configuration form, its submission, a destruction. */
export function ownerIq(
  type: "get" | "set",
  from: string,
  room: string,
  id: string,
  ...payload: Element[]
): Element {
  return xml("iq", { from, to: room, type, id }, xml("query", { xmlns: NS.mucOwner }, ...payload));
}

/** Cancels the configuration of a room just created (§10.1.3): the service destroys it. */
export function cancelledForm(): Element {
  return xml("x", { xmlns: NS.data, type: "cancel" });
}

/** Destroys the room (§10.9), telling everyone the reason and where to go instead. */
export function destroyRequest(reason: string | undefined, alternate: string | undefined): Element {
  const destroy = xml("destroy", alternate === undefined ? {} : { jid: alternate });
  if (reason !== undefined) destroy.append(xml("reason", {}, reason));
  return destroy;
}

/**
 * An admin request (XEP-0045 §8, §9, §10.3-§10.8) about one item: a role by nick, an
 * affiliation by bare JID, or, in a get, the list of one affiliation (§9.5, §10.5). One item
 * per request: Prosody 0.12 acts on the first item only.
 */
export function adminIq(
  type: "get" | "set",
  from: string,
  room: string,
  id: string,
  item: { nick?: string; jid?: string; role?: string; affiliation?: string },
  reason?: string,
): Element {
  const attrs: Record<string, string> = {};
  for (const [name, value] of Object.entries(item)) if (value !== undefined) attrs[name] = value;
  const el = xml("item", attrs);
  if (reason !== undefined) el.append(xml("reason", {}, reason));
  return xml("iq", { from, to: room, type, id }, xml("query", { xmlns: NS.mucAdmin }, el));
}

/** What the room says of itself (XEP-0045 §6.4: disco#info, with its muc#roominfo form). */
export function roomInfoIq(from: string, room: string, id: string): Element {
  return xml("iq", { from, to: room, type: "get", id }, xml("query", { xmlns: NS.discoInfo }));
}
