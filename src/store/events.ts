/**
 * The event log: every inbound stanza an owner (or the global callback) should see, in the
 * order it arrived, per stream. The webhook queue and the pull streams (SSE, WebSocket,
 * long-poll) read the same log through this one interface.
 *
 * Streams are opaque strings here: the global callback's is "global", an owner's is its
 * owner id (`bot:<name>`, `account:<jid>`, see src/owner.ts).
 */

import type { StanzaKind } from "../stanza/kinds.js";
import type { ClaimLease } from "./lease.js";

/** One inbound stanza to append to a stream's log. */
export interface NewEvent {
  readonly stream: string;
  /** Told by the caller, who parsed the stanza: the store never looks inside the XML. */
  readonly kind: StanzaKind;
  /** The stanza as XML, addresses normalised. */
  readonly stanza: string;
  /**
   * When set, the event is also queued for webhook delivery in this conversation (order
   * is kept per conversation). Unset: the event is only logged (pull streams).
   */
  readonly conversation?: string | undefined;
}

/** An event of the log. Ids increase with every append, across streams too. */
export interface StoredEvent {
  readonly id: string;
  readonly stream: string;
  /** Milliseconds since the epoch, when it was appended. */
  readonly time: number;
  readonly kind: StanzaKind;
  readonly stanza: string;
}

/** What append() assigned to one event. */
export interface AppendedEvent {
  readonly id: string;
  readonly time: number;
  /**
   * With a claim asked for: whether the delivery is the claimant's now. False when another
   * live claimant holds the head of its conversation (it waits behind that one, see
   * DeliveryStore.claimDeliveries); always false without a claim or a conversation.
   */
  readonly claimed: boolean;
}

export interface EventLog {
  /**
   * Commits the event (and its delivery) and resolves once it is durable; wakes the
   * stream's watchers. Appends of one event-loop turn may share one commit: that is the
   * implementation's business. Rejects with StoreFullError when there is no room; nothing
   * of the event is written then. `claim`: the caller's queue delivers it, so its delivery
   * is claimed at once (no separate claim needed on the fast path).
   */
  append(event: NewEvent, claim?: ClaimLease): Promise<AppendedEvent>;
  /** Events of one stream with ids greater than `after`, oldest first, at most `limit`. */
  readEvents(stream: string, after: string, limit: number): Promise<StoredEvent[]>;
  /** The id of the stream's newest event ("0" when it has none). */
  lastEventId(stream: string): Promise<string>;
  /** Calls `listener` after each append to the stream; returns the unsubscribe function. */
  watchEvents(stream: string, listener: () => void): () => void;
  /** The stream's acknowledged position (Telegram's offset): "0" when nothing was acknowledged. */
  ackedEventId(stream: string): Promise<string>;
  /** Moves the stream's acknowledged position forward (never back). */
  acknowledge(stream: string, id: string): Promise<void>;
}
