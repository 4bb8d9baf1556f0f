import type { Element } from "@xmpp/xml";
import { bareJid, jidToString, parseJid } from "../stanza/jid.js";
import { NS } from "../stanza/ns.js";

/** An invitation a bot received. */
export interface Invitation {
  /** mediated: sent through the room (XEP-0045 §7.8.2); direct: from the inviter (XEP-0249). */
  readonly via: "mediated" | "direct";
  /** The room's bare JID, normalised. */
  readonly room: string;
  /** Who invites, as the stanza says it. */
  readonly from: string | undefined;
  readonly reason: string | undefined;
  readonly password: string | undefined;
}

const bareRoom = (text: string | undefined) => {
  const jid = text === undefined ? undefined : parseJid(text);
  return jid && jid.local !== "" ? jidToString(bareJid(jid)) : undefined;
};

/** Reads an invitation from a message; undefined when the message is not one. */
export function parseInvitation(stanza: Element): Invitation | undefined {
  if (stanza.name !== "message" || stanza.attrs.type === "error") return undefined;
  const user = stanza.getChild("x", NS.mucUser);
  const invite = user?.getChild("invite");
  if (user && invite) {
    const room = bareRoom(stanza.attrs.from);
    if (!room) return undefined;
    return {
      via: "mediated",
      room,
      from: invite.attrs.from,
      reason: invite.getChildText("reason") ?? undefined,
      password: user.getChildText("password") ?? undefined,
    };
  }
  const direct = stanza.getChild("x", NS.conference);
  const room = bareRoom(direct?.attrs.jid);
  if (!direct || !room) return undefined;
  return {
    via: "direct",
    room,
    from: stanza.attrs.from,
    reason: direct.attrs.reason,
    password: direct.attrs.password,
  };
}
