import type { Element } from "@xmpp/xml";
import type { Logger } from "../log.js";
import type { Delivery, DeliveryUpdate, NewEvent, Store } from "../store/index.js";
import { createBacklogReader } from "./backlog-reader.js";
import { createLeaseKeeper, DEFAULT_LEASE_MS, newClaimant } from "./claim-lease.js";
import { createDeliveryWindow, type QueuedDelivery } from "./delivery-window.js";
import type { RunResult } from "./scheduler.js";

export type { QueuedDelivery } from "./delivery-window.js";

/** What one attempt decided; the queue records it and schedules accordingly. */
export type AttemptResult =
  | { readonly state: "delivered" }
  | { readonly state: "pending"; readonly retryAt: number; readonly error: string }
  | { readonly state: "failed"; readonly error: string };

/** What an admin's retry of a delivery found: it as stored, or (D) as the API shows it. */
export type RetryResult<D = Delivery> =
  | { readonly status: "unknown" }
  | { readonly status: "delivered"; readonly delivery: D }
  | { readonly status: "requeued"; readonly delivery: D; readonly was: "pending" | "failed" };

export type QueueStore = Pick<
  Store,
  | "append"
  | "recordOutcome"
  | "claimDeliveries"
  | "renewClaims"
  | "releaseClaims"
  | "getDelivery"
  | "requeueDelivery"
  | "backlog"
>;

export interface QueueOptions {
  readonly store: QueueStore;
  /** The stream this queue delivers (the global callback's, or an owner's). */
  readonly stream: string;
  readonly concurrency: number;
  readonly attempt: (queued: QueuedDelivery) => Promise<AttemptResult>;
  readonly log: Logger;
  readonly now?: () => number;
  /** Deliveries held in memory at most (the rest wait in the store). */
  readonly window?: number;
  /** Of which one conversation may hold at most this many. */
  readonly perConversation?: number;
  /** How long this queue's claims hold without renewal. */
  readonly leaseMs?: number;
}

export interface DurableQueue {
  /** Reads the backlog left by the previous run and starts delivering it. */
  start(): Promise<void>;
  /**
   * Commits the event (the store groups the commits of one turn), then schedules its
   * delivery. Resolves with its id once committed; rejects when it could not be (disk full...).
   */
  enqueue(event: NewEvent & { readonly conversation: string }, element?: Element): Promise<string>;
  /** Admin: a dead letter (or a waiting delivery) goes again, now. */
  retry(id: string): Promise<RetryResult>;
  /** Claims the stream's backlog again from its start: another process's claims may be free now. */
  rescan(): void;
  /** Deliveries not yet finished: stored, or waiting to be. */
  readonly pending: number;
  /** Stops starting attempts, lets those in flight finish, commits what they decided. */
  stop(): Promise<void>;
}

/**
 * The write-ahead delivery queue of one stream. Every event is committed before it is
 * handed to the scheduler; deliveries are claimed (this queue's lease, ./claim-lease.ts)
 * so no other consumer delivers them too; only a bounded window is held in memory
 * (./delivery-window.ts), the rest is read back from the store in id order
 * (./backlog-reader.ts), so order per conversation survives both the window and restarts.
 */
export function createDurableQueue(options: QueueOptions): DurableQueue {
  const { store, stream, log } = options;
  const now = options.now ?? Date.now;
  const leases = createLeaseKeeper({
    store,
    lease: { claimant: newClaimant(stream), leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS },
    log,
  });
  const { lease } = leases;
  const outcomes = createOutcomeRecorder(store, log);
  let pending = 0;
  let stopped = false;

  const run = async (queued: QueuedDelivery): Promise<RunResult> => {
    let result: AttemptResult;
    try {
      result = await options.attempt(queued);
    } catch (err) {
      // attempt() reports failures as results; this is a bug, not the webhook's fault.
      log.error("webhook delivery attempt failed", { id: queued.delivery.id, err });
      result = { state: "pending", retryAt: now() + 60_000, error: String(err) };
    }
    queued.attempts += 1;
    const { id } = queued.delivery;
    const { attempts } = queued;
    if (result.state === "pending") {
      const { retryAt, error } = result;
      outcomes.record({ id, state: "pending", attempts, nextAttemptAt: retryAt, lastError: error });
      // This conversation now waits: room for others that wait in the store.
      setImmediate(() => reader.nudge());
      return { retryAt: result.retryAt };
    }
    outcomes.record(
      result.state === "delivered"
        ? { id, state: "delivered", attempts }
        : { id, state: "failed", attempts, lastError: result.error },
    );
    window.finished(id);
    pending -= 1;
    return undefined;
  };

  const claim = (after: number, limit: number, conversation?: string) =>
    store.claimDeliveries({ ...lease, stream, after: String(after), limit, conversation });

  const window = createDeliveryWindow({
    concurrency: options.concurrency,
    window: options.window ?? Math.max(1_000, options.concurrency * 4),
    perConversation: options.perConversation ?? 100,
    run,
    readConversation: async (conversation, after, limit) => {
      const page = await claim(after, limit, conversation);
      reader.heldElsewhere(page.heldElsewhere);
      return page.deliveries;
    },
    drained: () => reader.nudge(),
    log,
  });
  const reader = createBacklogReader({ claim, window, log });

  return {
    async start() {
      const backlog = await store.backlog(stream);
      pending += backlog.pending;
      if (backlog.pending > 0) {
        log.info("delivering the backlog left by the last run", { pending: backlog.pending });
      }
      // Each renewal is also the time to look again at rows another claimant held.
      await leases.start(() => reader.retake());
      await reader.feed();
    },
    enqueue(event, element) {
      pending += 1;
      return store.append(event, lease).then(
        (appended) => {
          // Field by field rather than a spread of the event: one object shape for every
          // delivery, and the spread's property-by-property copy showed in receive profiles.
          const delivery: Delivery = {
            id: appended.id,
            stream: event.stream,
            time: appended.time,
            kind: event.kind,
            stanza: event.stanza,
            conversation: event.conversation,
            state: "pending",
            attempts: 0,
            nextAttemptAt: 0,
            updatedAt: appended.time,
            lastError: undefined,
          };
          reader.appended(delivery, element, appended.claimed);
          return appended.id;
        },
        (err: unknown) => {
          pending -= 1;
          throw err;
        },
      );
    },
    async retry(id) {
      const before = await store.getDelivery(id);
      if (!before) return { status: "unknown" };
      if (before.state === "delivered") return { status: "delivered", delivery: before };
      const delivery = await store.requeueDelivery(id, lease);
      if (!delivery) return { status: "unknown" };
      const result: RetryResult = { status: "requeued", delivery, was: before.state };
      if (stopped) return result;
      if (result.was === "failed") pending += 1;
      window.retried(delivery, reader.ahead(Number(delivery.id)));
      return result;
    },
    rescan: () => reader.rescan(),
    get pending() {
      return pending;
    },
    async stop() {
      stopped = true;
      reader.stop();
      await window.close();
      await outcomes.settled();
      await leases.stop();
    },
  };
}

/**
 * Records outcomes (the store commits them with the turn's appends) and remembers which are
 * still on their way, so stop() can wait for them. A failed commit is logged once, with how
 * many outcomes it held.
 */
function createOutcomeRecorder(
  store: Pick<Store, "recordOutcome">,
  log: Pick<Logger, "warn">,
): { record(update: DeliveryUpdate): void; settled(): Promise<void> } {
  let inFlight = 0;
  let idle: (() => void)[] = [];
  let failed = 0;
  const done = () => {
    inFlight -= 1;
    if (inFlight > 0) return;
    const waiting = idle;
    idle = [];
    for (const resolve of waiting) resolve();
  };
  return {
    record(update) {
      inFlight += 1;
      store.recordOutcome(update).then(done, (err: unknown) => {
        // Not fatal: those deliveries stay pending in the store and go again after a restart.
        failed += 1;
        if (failed === 1) {
          setImmediate(() => {
            log.warn("delivery outcomes not recorded", { count: failed, err });
            failed = 0;
          });
        }
        done();
      });
    },
    settled: () =>
      inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => idle.push(resolve)),
  };
}
