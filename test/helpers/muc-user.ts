import xml, { type Element } from "@xmpp/xml";
import type { XmppUser } from "./xmpp-user.js";

const MUC = "http://jabber.org/protocol/muc";
const MUC_USER = "http://jabber.org/protocol/muc#user";
const MUC_OWNER = "http://jabber.org/protocol/muc#owner";
let sequence = 0;

/** Whether a presence is the user's own in that room (XEP-0045 status 110). */
export function isSelfPresence(stanza: Element, room: string): boolean {
  return (
    stanza.name === "presence" &&
    stanza.attrs.type !== "error" &&
    (stanza.attrs.from ?? "").startsWith(`${room}/`) &&
    (stanza
      .getChild("x", MUC_USER)
      ?.getChildren("status")
      .some((s) => s.attrs.code === "110") ??
      false)
  );
}

/** A presence from room/nick (any type but error). */
export const presenceFrom = (room: string, nick: string, type?: string) => (stanza: Element) =>
  stanza.name === "presence" &&
  stanza.attrs.from === `${room}/${nick}` &&
  stanza.attrs.type === type;

/**
 * The user enters a room as `nick`; a room it creates is configured with `config`
 * (muc#roomconfig fields; none: an instant room). Resolves with the self-presence.
 */
export async function userJoins(
  user: XmppUser,
  room: string,
  nick: string,
  config: Record<string, string> = {},
): Promise<Element> {
  user.received.length = 0;
  await user.send(xml("presence", { to: `${room}/${nick}` }, xml("x", { xmlns: MUC })));
  const self = await user.waitFor(
    (s) => isSelfPresence(s, room) || (s.name === "presence" && s.attrs.type === "error"),
    10_000,
    `self-presence in ${room}`,
  );
  if (self.attrs.type === "error") throw new Error(`${user.jid} could not join ${room}`);
  const created = self
    .getChild("x", MUC_USER)
    ?.getChildren("status")
    .some((s) => s.attrs.code === "201");
  if (created) {
    const id = `cfg-${++sequence}`;
    const fields = Object.entries(config).map(([name, value]) =>
      xml("field", { var: name }, xml("value", {}, value)),
    );
    if (fields.length > 0) {
      fields.unshift(
        xml(
          "field",
          { var: "FORM_TYPE" },
          xml("value", {}, "http://jabber.org/protocol/muc#roomconfig"),
        ),
      );
    }
    await user.send(
      xml(
        "iq",
        { to: room, type: "set", id },
        xml(
          "query",
          { xmlns: MUC_OWNER },
          xml("x", { xmlns: "jabber:x:data", type: "submit" }, ...fields),
        ),
      ),
    );
    const answer = await user.waitFor((s) => s.name === "iq" && s.attrs.id === id);
    if (answer.attrs.type !== "result") throw new Error(`room ${room} not configured`);
  }
  return self;
}

/** A groupchat message with a body, from the user to the room. */
export async function say(user: XmppUser, room: string, body: string): Promise<void> {
  await user.send(
    xml("message", { to: room, type: "groupchat", id: `say-${++sequence}` }, xml("body", {}, body)),
  );
}

/** A moderator kicks `nick` (XEP-0045 §8.2); resolves on the room's result. */
export async function kick(user: XmppUser, room: string, nick: string, reason: string) {
  const id = `kick-${++sequence}`;
  await user.send(
    xml(
      "iq",
      { to: room, type: "set", id },
      xml(
        "query",
        { xmlns: "http://jabber.org/protocol/muc#admin" },
        xml("item", { nick, role: "none" }, xml("reason", {}, reason)),
      ),
    ),
  );
  const answer = await user.waitFor((s) => s.name === "iq" && s.attrs.id === id);
  if (answer.attrs.type !== "result")
    throw new Error(`kick of ${nick} refused: ${answer.toString()}`);
}
