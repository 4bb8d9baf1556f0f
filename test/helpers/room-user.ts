import xml, { type Element } from "@xmpp/xml";
import type { XmppUser } from "./xmpp-user.js";

const MUC = "http://jabber.org/protocol/muc";
const MUC_USER = "http://jabber.org/protocol/muc#user";
const MUC_OWNER = "http://jabber.org/protocol/muc#owner";

/** The user's own presence back from the room (XEP-0045 §7.2.2: status 110). */
const isSelfPresence = (room: string, nick: string) => (s: Element) =>
  s.name === "presence" &&
  s.attrs.from === `${room}/${nick}` &&
  s.attrs.type !== "error" &&
  (s.getChild("x", MUC_USER)?.getChildren("status") ?? []).some((st) => st.attrs.code === "110");

/**
 * The user joins `room` as `nick` and, when the room is new (status 201), makes it an
 * instant room (XEP-0045 §10.1.2: an empty jabber:x:data submit), which unlocks it on
 * Prosody. Resolves once the room said the user is in.
 */
export async function joinRoom(
  user: XmppUser,
  room: string,
  nick: string,
  options: { public?: boolean; name?: string; config?: Record<string, string> } = {},
): Promise<void> {
  await user.send(
    xml(
      "presence",
      { to: `${room}/${nick}` },
      xml("x", { xmlns: MUC }, xml("history", { maxstanzas: "0" })),
    ),
  );
  const self = await user.waitFor(isSelfPresence(room, nick), 10_000, `self-presence in ${room}`);
  const created = (self.getChild("x", MUC_USER)?.getChildren("status") ?? []).some(
    (st) => st.attrs.code === "201",
  );
  if (!created) return;
  const id = `config-${room}`;
  const fields: Element[] = [
    xml(
      "field",
      { var: "FORM_TYPE" },
      xml("value", {}, "http://jabber.org/protocol/muc#roomconfig"),
    ),
  ];
  if (options.public !== undefined) {
    fields.push(
      xml(
        "field",
        { var: "muc#roomconfig_publicroom" },
        xml("value", {}, options.public ? "1" : "0"),
      ),
    );
  }
  for (const [name, value] of Object.entries(options.config ?? {})) {
    fields.push(xml("field", { var: name }, xml("value", {}, value)));
  }
  if (options.name !== undefined) {
    fields.push(xml("field", { var: "muc#roomconfig_roomname" }, xml("value", {}, options.name)));
  }
  await user.send(
    xml(
      "iq",
      { type: "set", to: room, id },
      xml(
        "query",
        { xmlns: MUC_OWNER },
        xml("x", { xmlns: "jabber:x:data", type: "submit" }, ...fields),
      ),
    ),
  );
  const reply = await user.waitFor(
    (s) => s.name === "iq" && s.attrs.id === id,
    10_000,
    `configuration answer from ${room}`,
  );
  if (reply.attrs.type !== "result") throw new Error(`${room} refused its configuration: ${reply}`);
}

/** Says `body` in the room and waits for the room's echo (XEP-0045 §7.4: sent to every occupant). */
export async function sayInRoom(user: XmppUser, room: string, body: string): Promise<Element> {
  const id = `say-${Math.random().toString(36).slice(2)}`;
  await user.send(xml("message", { to: room, type: "groupchat", id }, xml("body", {}, body)));
  return user.waitFor(
    (s) => s.name === "message" && s.attrs.type === "groupchat" && s.getChildText("body") === body,
    10_000,
    `echo of '${body}' from ${room}`,
  );
}

/** The room's owner makes `jid` a member (XEP-0045 §9.3), so it may enter a members-only room. */
export async function grantMembership(owner: XmppUser, room: string, jid: string): Promise<void> {
  const id = `member-${Math.random().toString(36).slice(2)}`;
  await owner.send(
    xml(
      "iq",
      { type: "set", to: room, id },
      xml(
        "query",
        { xmlns: "http://jabber.org/protocol/muc#admin" },
        xml("item", { affiliation: "member", jid }),
      ),
    ),
  );
  const reply = await owner.waitFor(
    (s) => s.name === "iq" && s.attrs.id === id,
    10_000,
    "muc#admin answer",
  );
  if (reply.attrs.type !== "result") throw new Error(`${room} refused the membership: ${reply}`);
}
