/**
 * What several bridge processes on one database share beyond the Store contract (DESIGN,
 * "Several processes"): leases (one process holds the XMPP link; later one holds each online
 * account), the outbox every process writes and the link holder sends from, and doorbells
 * between the processes. Only a store several processes can use has it (Store.cluster).
 */

/** A lease as its holder knows it: the epoch is the fencing token of its writes. */
export interface Lease {
  readonly name: string;
  readonly epoch: string;
}

/** Why a lease could be taken: what the log says about a lease moving. */
export const LEASE_TAKEN_BECAUSE = ["free", "released", "expired", "holder gone", "own"] as const;
export type LeaseTakenBecause = (typeof LEASE_TAKEN_BECAUSE)[number];

/** A lease just taken, with whose it was and why it could be taken. */
export interface AcquiredLease extends Lease {
  readonly previous: string | undefined;
  readonly because: LeaseTakenBecause;
}

/** A lease as anyone may read it. */
export interface LeaseView {
  /** The holding instance; undefined when nobody holds it. */
  readonly holder: string | undefined;
  readonly epoch: string;
  /** Where the holder's HTTP API is reached by the other processes. */
  readonly url: string | undefined;
  /** The instance a holder that is stopping hands the lease to (it may connect already). */
  readonly successor: string | undefined;
}

/**
 * Leases kept in the database, expiring on the database's clock (so clock skew between hosts
 * does not matter), each held by one instance and taken over as soon as that instance's
 * database session is gone (kill -9 closes it at once) or its lease runs out. Named: "link"
 * is the XMPP link's; per-account leases ("account:<jid>") are to use the same table.
 */
export interface Leases {
  /**
   * Takes the lease when nobody holds it, its holder's session is gone or it expired (and it
   * is not reserved for another successor): the new lease (epoch + 1); undefined otherwise.
   */
  acquire(name: string, ttlMs: number, url?: string): Promise<AcquiredLease | undefined>;
  /** Extends the lease; false when it is not this epoch's any more. */
  renew(lease: Lease, ttlMs: number): Promise<boolean>;
  /** Names the instance the lease is handed to: it may connect now, the others keep off. */
  handover(lease: Lease, successor: string): Promise<void>;
  /** A named successor says its connection is up: the holder may let go now. */
  ready(name: string): Promise<void>;
  /** Gives the lease up; with a successor named, only it may take it for `reserveMs`. */
  release(lease: Lease, reserveMs?: number): Promise<void>;
  read(name: string): Promise<LeaseView>;
  /** Instances whose database session is alive now. */
  alive(): Promise<string[]>;
  /**
   * This process's database session (what its leases hang on) was lost: every lease it held
   * may be another's already.
   */
  onSessionLost(listener: () => void): () => void;
}

export type OutboxKind = "message" | "presence" | "iq";

/** A stanza accepted for the link holder to send. */
export interface NewOutboxEntry {
  /** The prepared stanza as XML (from, id set). */
  readonly stanza: string;
  readonly kind: OutboxKind;
  /** An iq waiting here for its reply: the waiting instance, the responder and its id. */
  readonly waiter?: string | undefined;
  readonly responder?: string | undefined;
  readonly stanzaId?: string | undefined;
  readonly mamQueryId?: string | undefined;
  /** ms since the epoch: not worth sending after this (the waiter gave up). */
  readonly deadline?: number | undefined;
  /** An owner's iq answer the holder has to check against what the owner received (owner id). */
  readonly claim?: string | undefined;
}

export interface OutboxEntry extends NewOutboxEntry {
  readonly id: string;
}

/** What an iq sent from the outbox got: the reply and the archive results before it. */
export interface OutboxAnswer {
  readonly reply: string;
  readonly results: readonly string[];
}

export interface Outbox {
  /** Stores a stanza for the holder (202 means this resolved). */
  add(entry: NewOutboxEntry): Promise<string>;
  /** Holder (fenced): the oldest pending rows, marked written. */
  take(limit: number): Promise<OutboxEntry[]>;
  /** Holder: these rows reached the server (a barrier came back after them): forgotten. */
  done(ids: readonly string[]): Promise<void>;
  /** Holder, on taking over or reconnecting (fenced): written rows not done go again. */
  resend(): Promise<number>;
  /** Holder: an iq's reply for its waiter, who is woken. */
  answer(id: string, answer: OutboxAnswer): Promise<void>;
  /** Waiter: the answer once there is one (the row is forgotten then). */
  collect(id: string): Promise<OutboxAnswer | undefined>;
  /** Waiter gave up (timeout): the row goes. */
  abandon(id: string): Promise<void>;
  /** Rows not yet done (pending or written). */
  depth(): Promise<number>;
}

/** Doorbells between processes: a ring says "look again", never what changed. */
export const CLUSTER_CHANNELS = ["lease", "outbox", "answers", "bots"] as const;
export type ClusterChannel = (typeof CLUSTER_CHANNELS)[number];

export interface ClusterStore {
  /** This process on the database, unique for its life: host/pid/random. */
  readonly instance: string;
  /** Commits what is batched (resolves when everything asked for so far is settled). */
  flush(): Promise<void>;
  /** Called with each doorbell rung by another process (for the wake-up counter). */
  onRing(listener: (channel: ClusterChannel | "events") => void): () => void;
  readonly leases: Leases;
  readonly outbox: Outbox;
  /**
   * Rings of a channel from other processes ("answers": only the ones for this instance;
   * "bots": the payload is the bot's name), and after the database connection is back (the
   * payload is then ""), since rings in between were lost.
   */
  on(channel: ClusterChannel, listener: (payload: string) => void): () => void;
  /**
   * The lease the holder's writes are checked against (appends to the log, the outbox's
   * state): each such commit first locks the lease row and checks the epoch, so two holders
   * never both write. Undefined: this process holds nothing, and such writes are refused.
   */
  fence(lease: Lease | undefined): void;
  /** Whether the database answered the last time it was asked. */
  readonly reachable: boolean;
  onReachability(listener: (reachable: boolean) => void): () => void;
}
