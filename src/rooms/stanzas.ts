/** The stanzas a bot sends to rooms (XEP-0045), built in one place. */
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
