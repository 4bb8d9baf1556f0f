/**
 * Which room stanza goes where: a stanza to a seat is matched with the room it comes from
 * (the bare `from`), or read as an invitation, and handed to the room's state
 * (./inbound.ts). Anything else is "other" and takes the owner's usual way. The inbound
 * router has already parsed and normalised the addresses and stripped forged notes.
 */
import type { Element } from "@xmpp/xml";
import { bareJid, type Jid, jidToString } from "../stanza/jid.js";
import { type RoomEffects, roomMessage, roomPresence, type Verdict } from "./inbound.js";
import { type Invitation, parseInvitation } from "./invitations.js";
import { addRoomEvent } from "./notes.js";
import type { Seat } from "./seat.js";
import { type RoomState, roomKey } from "./state.js";
import type { SubjectWaiters } from "./subjects.js";

export interface RoomRouterOptions {
  readonly states: ReadonlyMap<string, RoomState>;
  /** Rooms just left: their confirming presence is not news to the owner. */
  readonly leaving: Pick<Map<string, unknown>, "has" | "delete">;
  readonly subjects: Pick<SubjectWaiters, "refused">;
  readonly effects: RoomEffects;
  /** Called for every invitation a seat receives (after it is noted). */
  readonly invited: (seat: Seat, invitation: Invitation) => void;
}

export type RoomRouter = (seat: Seat, stanza: Element, from: Jid) => Verdict;

export function createRoomRouter(options: RoomRouterOptions): RoomRouter {
  const { states, leaving, subjects, effects, invited } = options;
  return (seat, stanza, from) => {
    const key = roomKey(seat.key, jidToString(bareJid(from)));
    const state = states.get(key);
    if (stanza.name === "message") {
      if (subjects.refused(stanza)) return "consumed";
      const invitation = state ? undefined : parseInvitation(stanza);
      if (invitation) {
        addRoomEvent(stanza, "invitation", invitation.room, {
          from: invitation.from,
          reason: invitation.reason,
          password: invitation.password,
          via: invitation.via,
        });
        invited(seat, invitation);
        return "room";
      }
      return state ? roomMessage(state, stanza, effects) : "other";
    }
    if (stanza.name !== "presence") return "other";
    if (state) return roomPresence(state, stanza, effects);
    // The room confirming a leave (XEP-0045 §7.14): the owner asked for it.
    if (leaving.has(key) && stanza.attrs.type === "unavailable") {
      if (from.resource !== "") leaving.delete(key);
      return "consumed";
    }
    return "other";
  };
}
