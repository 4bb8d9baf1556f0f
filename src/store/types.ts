/**
 * What the rest of the bridge sees of the store. No SQL and nothing SQLite-specific
 * crosses this line, and every method returns a promise, so that an implementation
 * over a database server (several bridge processes, a later issue) fits the same shape.
 */

import type { BotStore } from "./bots.js";
import type { RoomStore } from "./rooms.js";

/** The stream of the global callback; later streams are named after bots. */
export const GLOBAL_STREAM = "";

export type DeliveryState = "pending" | "delivered" | "failed";
export const DELIVERY_STATES: readonly DeliveryState[] = ["pending", "delivered", "failed"];

/** One inbound stanza to append to a stream's log. */
export interface NewEvent {
  /** GLOBAL_STREAM for the global callback. */
  readonly stream: string;
  /** message, presence or iq. */
  readonly kind: string;
  /** The stanza as XML, addresses normalised. */
  readonly stanza: string;
  /**
   * When set, the event is also queued for webhook delivery in this conversation
   * (order is kept per conversation). Unset: the event is only logged.
   */
  readonly conversation?: string;
}

/** An event of the log. Ids increase with every append (within a stream too). */
export interface StoredEvent {
  readonly id: number;
  readonly stream: string;
  /** Milliseconds since the epoch, when it was appended. */
  readonly time: number;
  readonly kind: string;
  readonly stanza: string;
}

/** What append() assigned to one event. */
export interface AppendedEvent {
  readonly id: number;
  readonly time: number;
  /** Its delivery's webhook id (see Delivery). */
  readonly webhookId: string;
}

/** A webhook delivery of one event. */
export interface Delivery extends StoredEvent {
  /** Stable for the life of the store: the same on every attempt and after restarts. */
  readonly webhookId: string;
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

export type DeliveryUpdate =
  | {
      readonly id: number;
      readonly state: "pending";
      readonly attempts: number;
      readonly nextAttemptAt: number;
      readonly lastError: string;
    }
  | { readonly id: number; readonly state: "delivered"; readonly attempts: number }
  | {
      readonly id: number;
      readonly state: "failed";
      readonly attempts: number;
      readonly lastError: string;
    };

export interface Backlog {
  readonly pending: number;
  /** Append time of the oldest pending delivery. */
  readonly oldestPendingAt: number | undefined;
  /** Dead letters. */
  readonly failed: number;
}

export interface DeliveryQuery {
  readonly state: DeliveryState;
  /** Only ids above this one (paging, and the loader's cursor). */
  readonly after?: number;
  readonly limit: number;
  readonly conversation?: string;
  /** Only this stream's deliveries (a bot's webhook); all streams when left out. */
  readonly stream?: string;
}

/** The whole store: the webhook's log and deliveries, what bots need (./bots.ts) and rooms (./rooms.ts). */
export interface Store extends BotStore, RoomStore {
  /** Where the data lives, for logs (a path, or ":memory:"). */
  readonly location: string;
  /** True when nothing survives a restart (":memory:"). */
  readonly volatile: boolean;
  /**
   * Appends events (and their deliveries) in one durable commit, ids in order.
   * Rejects with StoreFullError when there is no room; nothing is half-written.
   * `outcomes` (attempts and outcomes, as updateDeliveries takes them) ride in the
   * same commit, so a busy webhook costs one commit per batch rather than two.
   */
  append(
    events: readonly NewEvent[],
    now: number,
    outcomes?: readonly DeliveryUpdate[],
  ): Promise<AppendedEvent[]>;
  /** Records attempts and outcomes in one commit. */
  updateDeliveries(updates: readonly DeliveryUpdate[], now: number): Promise<void>;
  /** Deliveries in a state, oldest first. */
  listDeliveries(query: DeliveryQuery): Promise<Delivery[]>;
  getDelivery(id: number): Promise<Delivery | undefined>;
  /** Puts a delivery back to pending, due at `now`; undefined when there is none. */
  requeueDelivery(id: number, now: number): Promise<Delivery | undefined>;
  /** A page of one stream's log, oldest first. */
  readEvents(stream: string, after: number, limit: number): Promise<StoredEvent[]>;
  /** The backlog of one stream, or of all when left out. */
  backlog(stream?: string): Promise<Backlog>;
  /**
   * Deletes up to `batch` finished deliveries (delivered or dead) whose last change is
   * older than `before`, with their events; resolves how many went.
   */
  prune(before: number, batch: number): Promise<number>;
  close(): Promise<void>;
}
