/**
 * Webhook deliveries: one per event appended with a conversation. They are *claimed* by a
 * claimant (one delivering queue) under a lease, never just read, so that several consumers
 * (several processes on one database) never deliver one row twice, and a dead consumer's
 * rows are taken over once its lease runs out.
 */

import type { StoredEvent } from "./events.js";
import type { ClaimLease } from "./lease.js";

export type { ClaimLease } from "./lease.js";

export const DELIVERY_STATES = ["pending", "delivered", "failed"] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** A webhook delivery of one event; its id is the event's. */
export interface Delivery extends StoredEvent {
  readonly conversation: string;
  readonly state: DeliveryState;
  /** Attempts made so far. */
  readonly attempts: number;
  /** When the next attempt is due (pending only), ms since the epoch. */
  readonly nextAttemptAt: number;
  /** Last change of state or attempt, ms since the epoch. */
  readonly updatedAt: number;
  /** What the last failed attempt ended with. */
  readonly lastError: string | undefined;
}

/** What one attempt ended with; a pending one keeps its claim (it waits for its retry). */
export type DeliveryUpdate =
  | {
      readonly id: string;
      readonly state: "pending";
      readonly attempts: number;
      readonly nextAttemptAt: number;
      readonly lastError: string;
    }
  | { readonly id: string; readonly state: "delivered"; readonly attempts: number }
  | {
      readonly id: string;
      readonly state: "failed";
      readonly attempts: number;
      readonly lastError: string;
    };

export interface ClaimQuery extends ClaimLease {
  readonly stream: string;
  /** Only ids above this one (the reader's cursor). */
  readonly after?: string | undefined;
  /** Only this conversation. */
  readonly conversation?: string | undefined;
  /** Claims at most this many. */
  readonly limit: number;
}

export interface ClaimedPage {
  /** Claimed by the claimant now (or already its own), oldest first. */
  readonly deliveries: Delivery[];
  /**
   * The lowest id passed over because another claimant holds it or the head of its
   * conversation: where to look again once that claim ends (renewClaims is the time).
   */
  readonly heldElsewhere: string | undefined;
}

export interface Backlog {
  readonly pending: number;
  /** Append time of the oldest pending delivery. */
  readonly oldestPendingAt: number | undefined;
  /** Dead letters. */
  readonly failed: number;
}

export interface DeliveryQuery {
  readonly state: DeliveryState;
  /** Only ids above this one (paging). */
  readonly after?: string | undefined;
  readonly limit: number;
  readonly conversation?: string | undefined;
  /** Only this stream's deliveries (a bot's webhook); all streams when left out. */
  readonly stream?: string | undefined;
}

export interface DeliveryStore {
  /**
   * Claims pending deliveries of a stream in id order until now + leaseMs (and renews the
   * claimant's lease). Rows held by another live claimant are passed over, and so is every
   * row of a conversation whose oldest pending row (its head) another claimant holds or
   * nobody has taken yet below `after`: a conversation is delivered by one claimant at a
   * time, so its order holds across claimants. Rows already the claimant's are returned again.
   */
  claimDeliveries(query: ClaimQuery): Promise<ClaimedPage>;
  /** Extends every claim of the claimant to now + leaseMs: one write, however many rows. */
  renewClaims(lease: ClaimLease): Promise<void>;
  /** Gives the claimant's rows back (on stop): others may take them at once. */
  releaseClaims(claimant: string): Promise<void>;
  /**
   * Records one attempt's outcome. Outcomes of one event-loop turn share a commit (with that
   * turn's appends, when there are any); an outcome-only commit may skip the log sync: a power
   * cut can then lose it, and the stanza is delivered again (at least once, as after a crash).
   */
  recordOutcome(update: DeliveryUpdate): Promise<void>;
  /** Deliveries in a state, oldest first, claimed or not (the admin API). */
  listDeliveries(query: DeliveryQuery): Promise<Delivery[]>;
  getDelivery(id: string): Promise<Delivery | undefined>;
  /**
   * Puts a delivery that is not delivered back to pending with no attempts, due now,
   * claimed by `claim` when given; undefined when there is none (or it was delivered).
   */
  requeueDelivery(id: string, claim?: ClaimLease): Promise<Delivery | undefined>;
  /** The backlog of one stream, or of all when left out. */
  backlog(stream?: string): Promise<Backlog>;
}
