/**
 * A seat (DESIGN, "Seats"): a room membership belongs to an owner, is held at an address the
 * rooms see, and goes through one XMPP connection. The rooms code works on seats only, so a
 * bot (name@domain/rooms on the component link) and an account (its own full JID on its
 * client session) share it.
 */
import type { Element } from "@xmpp/xml";
import type { Owner } from "../owner.js";
import type { StanzaError } from "../stanza/errors.js";

/** An iq's reply, with the messages that belong to it (XEP-0313 archive results). */
export interface RoomIqAnswer {
  readonly reply: Element;
  readonly results: readonly Element[];
}

/** Waits for a refusal of a message the bridge sent (RFC 6120 §8.3.1: same id, from the addressee). */
export interface RefusalWatch {
  readonly refused: Promise<StanzaError>;
  stop(): void;
}

/** What rooms need of the connection a seat uses. */
export interface RoomConnection {
  readonly state: string;
  /** The 503 to answer while the connection is not online (it says when to retry). */
  downError(): StanzaError;
  send(stanza: Element): Promise<void>;
  /** Sends an iq and waits for its reply (an error reply is a reply). */
  request(iq: Element, timeoutMs: number, options?: { mamQueryId?: string }): Promise<RoomIqAnswer>;
  /** Watches for the addressee's error reply to message `id`. */
  watchRefusal(id: string, from: string): RefusalWatch;
  onStateChange(handler: (state: string) => void): () => void;
}

export interface Seat {
  readonly owner: Owner;
  /** ownerId(owner): the key of the owner's rooms in memory and in the store. */
  readonly key: string;
  /** The full JID the rooms see (a bot: name@domain/rooms). */
  readonly address: string;
  /** The nick it joins with when none is given (a bot's name). */
  readonly nick: string;
  readonly connection: RoomConnection;
}

/** Where the rooms code finds seats and learns about owners. */
export interface Seats {
  /** The owner's seat; undefined for an owner that does not exist (any more). */
  seatOf(owner: Owner): Seat | undefined;
  /** Whether the owner accepts invitations by joining (a bot's autoJoinOnInvite). */
  autoJoins(owner: Owner): boolean;
  /** Calls `listener` with each owner that is removed: its rooms are left and forgotten. */
  onRemoved(listener: (owner: Owner) => void): () => void;
}
