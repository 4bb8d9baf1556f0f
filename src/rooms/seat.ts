/**
 * A seat (DESIGN, "Seats"): a room membership belongs to an owner, is held at an address the
 * rooms see, and goes through one XMPP connection. The rooms code works on seats only, so a
 * bot (name@domain/rooms on the component link) and an account (its own full JID on its
 * client session) share it.
 */
import type { Owner } from "../owner.js";
import type { StanzaError } from "../stanza/errors.js";
import { type Connection, linkDownError } from "../xmpp/connection.js";

/** What rooms need of the connection a seat uses (its iq tracker and bounce watcher included). */
export type RoomConnection = Pick<
  Connection,
  "state" | "send" | "request" | "retryAfterSeconds" | "onStateChange" | "bounces"
>;

/** The 503 to answer while the seat's connection is not online (it says when to retry). */
export function connectionDown(connection: Pick<RoomConnection, "retryAfterSeconds">): StanzaError {
  return linkDownError(connection.retryAfterSeconds());
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
  /** The owner joined a room through the bridge (an account keeps it as a bookmark). */
  joined?(owner: Owner, room: string, nick: string): void;
  /** The owner left a room through the bridge. */
  left?(owner: Owner, room: string): void;
}

/** The seats of bots and of accounts as one: each owner's own kind answers for it. */
export function combineSeats(bots: Seats, accounts: Seats): Seats {
  const of = (owner: Owner) => (owner.kind === "bot" ? bots : accounts);
  return {
    seatOf: (owner) => of(owner).seatOf(owner),
    autoJoins: (owner) => of(owner).autoJoins(owner),
    joined: (owner, room, nick) => of(owner).joined?.(owner, room, nick),
    left: (owner, room) => of(owner).left?.(owner, room),
    onRemoved(listener) {
      const offBots = bots.onRemoved(listener);
      const offAccounts = accounts.onRemoved(listener);
      return () => {
        offBots();
        offAccounts();
      };
    },
  };
}
