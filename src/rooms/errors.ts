import { describeOwner, type Owner } from "../owner.js";
import { conflict, forbidden, notFound, StanzaError, timedOut } from "../stanza/errors.js";

/**
 * The HTTP status of a room's refusal to let the bot in (XEP-0045 §7.2.5-§7.2.11),
 * and what a user should read when the room said nothing. Prosody and ejabberd both
 * answer a members-only room with registration-required (§7.2.7) and a ban with
 * forbidden (§7.2.8): both are 403 here. A service that cannot be reached is 404
 * (ejabberd: remote-server-not-found; Prosody without s2s: not-allowed, "Communication
 * with remote domains is not enabled").
 */
const JOIN_REFUSALS: Readonly<Record<string, { status: number; text: string }>> = {
  conflict: { status: 409, text: "the nick is taken in this room (XEP-0045 §7.2.9)" },
  forbidden: { status: 403, text: "the bot is banned from this room (XEP-0045 §7.2.8)" },
  "registration-required": {
    status: 403,
    text: "the room is members-only and the bot is not a member (XEP-0045 §7.2.7)",
  },
  "not-authorized": { status: 401, text: "the room needs a password (XEP-0045 §7.2.6)" },
  "item-not-found": { status: 404, text: "no such room, and it may not be created (§7.2.10)" },
  "remote-server-not-found": { status: 404, text: "no such chat service" },
  "remote-server-timeout": { status: 504, text: "the chat service did not answer" },
  "not-allowed": { status: 403, text: "the service does not allow this (room creation, §10.1.1)" },
  "not-acceptable": { status: 409, text: "the nick is reserved or not acceptable (§7.2.9)" },
  "service-unavailable": { status: 503, text: "the room is full or unavailable (§7.2.11)" },
  "jid-malformed": { status: 422, text: "the room or nick is not acceptable to the room" },
  gone: { status: 410, text: "the room is gone" },
};

/** The room's error presence as an HTTP error: status from the table, the stanza error kept. */
export function joinRefusal(error: StanzaError): StanzaError {
  const known = JOIN_REFUSALS[error.condition];
  return new StanzaError(error.type, error.condition, {
    text: error.text ?? known?.text,
    status: known?.status ?? error.status,
    by: error.by,
  });
}

/**
 * The one answer to "the owner is not in this room" (joined, entering or back after a drop):
 * not-acceptable, as a room answers a non-occupant's message (XEP-0045 §7.4), and 409.
 */
export function notInRoom(owner: Owner, room: string, why: string): StanzaError {
  return new StanzaError("cancel", "not-acceptable", {
    text: `${describeOwner(owner)} is not in ${room}: ${why}`,
    status: 409,
  });
}

export function joinTimeout(room: string, seconds: number): StanzaError {
  return timedOut(`${room} did not answer the join within ${seconds}s`);
}

export function leftMeanwhile(owner: Owner, room: string): StanzaError {
  return conflict(`${describeOwner(owner)} left ${room} while entering it`);
}

/**
 * The HTTP status of a room's refusal of an owner's or admin's request (XEP-0045 §8-§10), and
 * what to read when the room said nothing. Where the servers differ: an occupant the room does
 * not know is item-not-found on Prosody and not-acceptable on ejabberd (which the rooms code
 * answers itself as 404 when it does not know the nick either); taking the last owner's
 * affiliation is conflict on Prosody and not-allowed on ejabberd.
 */
const ADMIN_REFUSALS: Readonly<Record<string, { status: number; text: string }>> = {
  forbidden: {
    status: 403,
    text: "the bot's affiliation does not allow this (XEP-0045 §8.2, §9.1, §10.1.3)",
  },
  "not-allowed": {
    status: 403,
    text: "the room does not allow this change (an owner or admin may not be kicked or banned, §8.2, §9.1)",
  },
  "item-not-found": { status: 404, text: "no such occupant, or no such room (§8.2, §10.9)" },
  conflict: { status: 409, text: "the room would be left without an owner (§10.7)" },
};

/** A room's error reply to an owner's or admin's request, with its status from the table. */
export function adminRefusal(error: StanzaError): StanzaError {
  const known = ADMIN_REFUSALS[error.condition];
  if (!known) return error;
  return new StanzaError(error.type, error.condition, {
    text: error.text ?? known.text,
    status: known.status,
    by: error.by,
  });
}

/** The owner (or admin) may not do this in the room: 403, the text saying which affiliation it needs. */
export function notPermitted(owner: Owner, room: string, needs: string, spec: string): StanzaError {
  return forbidden(`${describeOwner(owner)} is not ${needs} of ${room} (XEP-0045 ${spec})`);
}

/** No occupant with this nick, as far as the seat has seen: 404. */
export function noOccupant(room: string, nick: string): StanzaError {
  return notFound(`${room} has no occupant "${nick}" (XEP-0045 §8.2)`);
}
