/**
 * The store contract: what the rest of the bridge sees of the store. No SQL and nothing of
 * an implementation crosses this line. One convention for every implementation (the
 * embedded SQLite file, a database server for several processes):
 *
 * - ids are decimal strings of increasing integers (./ids.ts);
 * - times are milliseconds since the epoch (RFC 3339 is the HTTP layer's business);
 * - every method returns a promise, even where an implementation answers at once;
 * - the caller passes what it knows (stanza kind, owner ids, conversations): the store never
 *   parses a stanza;
 * - how commits are grouped is the implementation's business; a read sees every write whose
 *   promise was made before it.
 *
 * test/unit/store/contract.ts is the suite every implementation passes.
 */

import type { AccountStore } from "./accounts.js";
import type { BotStore } from "./bots.js";
import type { ClusterStore } from "./cluster.js";
import type { CommandStore } from "./commands.js";
import type { ContactStore } from "./contacts.js";
import type { DeliveryStore } from "./deliveries.js";
import type { EventLog } from "./events.js";
import type { HistoryStore } from "./history.js";
import type { RoomStore } from "./rooms.js";

export interface Store
  extends EventLog,
    DeliveryStore,
    BotStore,
    AccountStore,
    ContactStore,
    HistoryStore,
    RoomStore,
    CommandStore {
  /** Where the data lives, for logs (a path, or ":memory:"); never a password. */
  readonly location: string;
  /** True when nothing survives a restart (":memory:"). */
  readonly volatile: boolean;
  /**
   * Unique per store and stable for its life (the same after restarts): what webhook ids
   * are built from, so a webhook can tell repeats of one stanza from another store's.
   */
  readonly storeId: string;
  /**
   * Deletes up to `batch` rows older than `before` (ms): finished deliveries (delivered or
   * dead, by their last change) with their events, logged events no delivery waits for,
   * history and room messages. Resolves how many went; never touches a pending delivery.
   */
  prune(before: number, batch: number): Promise<number>;
  /**
   * What several processes on one database share (the link's lease, the outbox, doorbells
   * between them): present only for a store several processes can use (PostgreSQL).
   */
  readonly cluster?: ClusterStore | undefined;
  /** Commits what is batched, then closes. */
  close(): Promise<void>;
}

/**
 * Knobs for tests and benchmarks, the same for every implementation (each maps them to its
 * own settings).
 */
export interface StoreTuning {
  /** Refuse writes beyond this size (bytes): lets tests run out of room for real. */
  readonly sizeLimitBytes?: number;
  /**
   * "full" (the default): an append is durable across a power cut once its promise resolves.
   * "normal": across a crash of the process only.
   */
  readonly synchronous?: "full" | "normal";
  /** The store's clock (event times, leases): tests move it by hand. */
  readonly now?: () => number;
}

/** TLS to a database server: `auto` leaves it to the URI (sslmode=...). */
export const STORE_TLS_MODES = ["auto", "off", "require", "verify-full"] as const;
export type StoreTlsMode = (typeof STORE_TLS_MODES)[number];

/** How a database server store connects (the embedded SQLite store ignores them). */
export interface StoreSettings {
  /** Connections in this process's pool. */
  readonly poolSize?: number;
  /** A statement running longer is cancelled (and answered 503). */
  readonly statementTimeoutMs?: number;
  /** How long a new connection may take. */
  readonly connectTimeoutMs?: number;
  readonly tls?: StoreTlsMode;
  /** PEM file of the CA that signed the server's certificate (tls verify-full). */
  readonly caFile?: string | undefined;
  /** Stanzas that may wait in the outbox for the link holder; beyond it 503 resource-constraint. */
  readonly outboxLimit?: number;
}
