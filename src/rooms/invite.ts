/**
 * Mediated invitations (XEP-0045 §7.8.2): the bot asks the room to invite someone;
 * the room sends the invitation from itself, or answers the bot's message with an error.
 */
import xml, { type Element } from "@xmpp/xml";
import { StanzaError } from "../stanza/errors.js";
import { NS } from "../stanza/ns.js";
import { askIq, newIqId } from "./ask.js";
import type { RoomConnection } from "./seat.js";

export interface Invitation {
  /** The bot's address as an occupant knows it: the real JID it joined from. */
  readonly from: string;
  /** The room's bare JID. */
  readonly room: string;
  /** Who is invited. */
  readonly jid: string;
  readonly reason?: string | undefined;
}

export interface InviteOutcome {
  /** The invitation message's id. */
  readonly id: string;
  /**
   * True when the room answered the disco#info sent right after the invitation without
   * refusing it; false when it did not answer within the window.
   */
  readonly confirmed: boolean;
}

/**
 * A room acknowledges nothing when it accepts an invitation (XEP-0045 §7.8.2), so
 * silence is the only success. Rather than wait out a fixed window, the bridge asks
 * the room for its disco#info right after the invitation: the server delivers one
 * sender's stanzas to the room in order (RFC 6120 §10.1) and both Prosody and ejabberd
 * handle a room's stanzas one at a time, so once that answer is back a refusal would
 * already have arrived. The window only bounds a room that answers nothing: 5 s is
 * far above the loopback round trip and short enough for an HTTP client to wait.
 */
export const INVITE_WINDOW_MS = 5_000;

export function inviteMessage(invitation: Invitation, id: string): Element {
  const invite = xml("invite", { to: invitation.jid });
  if (invitation.reason !== undefined) invite.append(xml("reason", {}, invitation.reason));
  return xml(
    "message",
    { from: invitation.from, to: invitation.room, id },
    xml("x", { xmlns: NS.mucUser }, invite),
  );
}

/**
 * Sends a mediated invitation over the seat's connection. Throws the room's refusal as a
 * StanzaError (403 not an occupant or not allowed, 404 no room, ...); `windowMs` bounds how
 * long to wait for the room's answer before answering unconfirmed.
 */
export async function invite(
  connection: Pick<RoomConnection, "send" | "request" | "bounces">,
  invitation: Invitation,
  windowMs = INVITE_WINDOW_MS,
): Promise<InviteOutcome> {
  const id = newIqId("invite");
  const watch = connection.bounces.watch(id, invitation.room);
  try {
    await connection.send(inviteMessage(invitation, id));
    const barrier = xml(
      "iq",
      {
        type: "get",
        id: newIqId("invite-barrier"),
        to: invitation.room,
        from: invitation.from,
      },
      xml("query", { xmlns: NS.discoInfo }),
    );
    const answered = askIq(connection, barrier, windowMs).then(
      () => ({ kind: "answered" as const }),
      (err: unknown) => ({ kind: "failed" as const, err }),
    );
    const outcome = await Promise.race([
      watch.refused.then((err) => ({ kind: "refused" as const, err })),
      answered,
    ]);
    if (outcome.kind === "refused") throw outcome.err;
    if (outcome.kind === "answered") return { id, confirmed: true };
    // The room itself is gone (item-not-found): the invitation went nowhere.
    const err = outcome.err;
    if (err instanceof StanzaError && err.status !== 504 && err.status !== 503) throw err;
    return { id, confirmed: false };
  } finally {
    watch.stop();
  }
}
