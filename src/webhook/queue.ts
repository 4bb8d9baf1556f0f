import type { Element } from "@xmpp/xml";
import type { Logger } from "../log.js";
import type { AppendedEvent, Delivery, DeliveryUpdate, NewEvent, Store } from "../store/index.js";
import { createScheduler, type RunResult } from "./scheduler.js";

/** What one attempt decided; the queue records it and schedules accordingly. */
export type AttemptResult =
  | { readonly state: "delivered" }
  | { readonly state: "pending"; readonly retryAt: number; readonly error: string }
  | { readonly state: "failed"; readonly error: string };

/** A delivery held in memory; `attempts` moves on with each try. */
export interface QueuedDelivery {
  readonly delivery: Delivery;
  attempts: number;
  /** The stanza as read from the link, when still at hand (saves parsing it back). */
  readonly element?: Element;
}

export type RetryResult =
  | { readonly status: "unknown" }
  | { readonly status: "delivered"; readonly delivery: Delivery }
  | {
      readonly status: "requeued";
      readonly delivery: Delivery;
      readonly was: "pending" | "failed";
    };

export interface QueueOptions {
  readonly store: Pick<
    Store,
    "append" | "updateDeliveries" | "listDeliveries" | "getDelivery" | "requeueDelivery" | "backlog"
  >;
  readonly concurrency: number;
  readonly attempt: (queued: QueuedDelivery) => Promise<AttemptResult>;
  readonly log: Logger;
  readonly now?: () => number;
  /** Deliveries held in memory at most (the rest wait in the store). */
  readonly window?: number;
  /** Of which one conversation may hold at most this many. */
  readonly perConversation?: number;
}

export interface DurableQueue {
  /** Reads the backlog left by the previous run and starts delivering it. */
  start(): Promise<void>;
  /**
   * Commits the event (grouped with others of the same tick), then schedules its
   * delivery. Resolves once committed; rejects when it could not be (disk full...).
   */
  enqueue(event: NewEvent & { readonly conversation: string }, element?: Element): Promise<number>;
  /** Admin: a dead letter (or a waiting delivery) goes again, now. */
  retry(id: number): Promise<RetryResult>;
  /** Deliveries not yet finished: stored, or waiting to be. */
  readonly pending: number;
  /** Stops starting attempts, lets those in flight finish, commits what is left. */
  stop(): Promise<void>;
}

const PAGE = 500;
/**
 * Conversations waiting for a retry do not count against the window (so one stuck
 * conversation cannot starve the others), up to this many times the window.
 */
const STUCK_FACTOR = 20;

/**
 * The write-ahead delivery queue. Every event is committed before it is handed to
 * the scheduler; only a bounded window of deliveries is held in memory, the rest is
 * read back from the store in id order (so order per conversation survives both the
 * window and restarts). Commits are grouped per event-loop turn: one sync of the
 * log for many stanzas.
 */
export function createDurableQueue(options: QueueOptions): DurableQueue {
  const { store, log } = options;
  const now = options.now ?? Date.now;
  const window = options.window ?? Math.max(1_000, options.concurrency * 4);
  const perConversation = options.perConversation ?? 100;

  let pending = 0;
  let stopped = false;

  // --- grouped commits -------------------------------------------------------
  interface Waiter {
    readonly event: NewEvent & { readonly conversation: string };
    readonly element: Element | undefined;
    readonly resolve: (id: number) => void;
    readonly reject: (err: unknown) => void;
  }
  let appends: Waiter[] = [];
  let updates: DeliveryUpdate[] = [];
  let flushScheduled = false;
  // Every store call runs on this chain, one at a time, in order.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const next = chain.then(task, task);
    chain = next.catch(() => {});
    return next;
  };

  const commit = async () => {
    const batch = appends;
    const done = updates;
    appends = [];
    updates = [];
    const record = async () => {
      if (done.length === 0) return;
      try {
        await store.updateDeliveries(done, now());
      } catch (err) {
        // Not fatal: those deliveries stay pending in the store and go again after a restart.
        log.warn("delivery outcomes not recorded", { count: done.length, err });
      }
    };
    if (batch.length === 0) return record();
    let appended: AppendedEvent[];
    try {
      // The outcomes ride in the appends' commit: one commit (and one sync) per turn.
      appended = await store.append(
        batch.map((w) => w.event),
        now(),
        done,
      );
    } catch (err) {
      // Nothing of the commit was written: the outcomes get their own try.
      await record();
      pending -= batch.length;
      for (const w of batch) w.reject(err);
      return;
    }
    appendSeq += 1;
    appended.forEach((event, i) => {
      const w = batch[i] as Waiter;
      admitNew(event, w.event, w.element);
      w.resolve(event.id);
    });
  };

  const flush = () => serial(commit);
  const scheduleFlush = () => {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(() => {
      flushScheduled = false;
      void flush();
    });
  };

  // --- the in-memory window ----------------------------------------------------
  const held = new Map<number, QueuedDelivery>();
  // Highest id queued per conversation in memory: rows read twice are skipped.
  const lastQueued = new Map<string, number>();
  // Conversations with more pending rows in the store than in memory.
  const overflow = new Map<string, { reloading: boolean; missed: boolean }>();
  let cursor = 0;
  let caughtUp = false;
  let appendSeq = 0;
  let feeding = false;

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
    if (result.state === "pending") {
      updates.push({
        id,
        state: "pending",
        attempts: queued.attempts,
        nextAttemptAt: result.retryAt,
        lastError: result.error,
      });
      scheduleFlush();
      // This conversation now waits: room for others that wait in the store.
      if (!caughtUp) setImmediate(() => void feed());
      return { retryAt: result.retryAt };
    }
    updates.push(
      result.state === "delivered"
        ? { id, state: "delivered", attempts: queued.attempts }
        : { id, state: "failed", attempts: queued.attempts, lastError: result.error },
    );
    scheduleFlush();
    held.delete(id);
    pending -= 1;
    return undefined;
  };

  const scheduler = createScheduler<QueuedDelivery>({
    concurrency: options.concurrency,
    run,
    onEmpty: (conversation) => {
      if (overflow.has(conversation)) void reload(conversation);
      else lastQueued.delete(conversation);
      if (!caughtUp) void feed();
    },
  });

  const push = (delivery: Delivery, element?: Element) => {
    const queued: QueuedDelivery = {
      delivery,
      attempts: delivery.attempts,
      ...(element ? { element } : {}),
    };
    held.set(delivery.id, queued);
    lastQueued.set(delivery.conversation, delivery.id);
    scheduler.push(delivery.conversation, queued, delivery.nextAttemptAt);
  };

  /** Takes a pending row into memory unless it is there already or its conversation is full. */
  const admit = (delivery: Delivery, element?: Element) => {
    const { conversation, id } = delivery;
    if (id <= (lastQueued.get(conversation) ?? 0)) return;
    const spill = overflow.get(conversation);
    if (spill) {
      if (spill.reloading) spill.missed = true;
      return;
    }
    if (scheduler.size(conversation) >= perConversation) {
      overflow.set(conversation, { reloading: false, missed: false });
      return;
    }
    push(delivery, element);
  };

  /** Deliveries in memory that could start (not held up by a retry wait). */
  const active = () => scheduler.held - scheduler.heldWaiting;
  const full = () => active() >= window || scheduler.held >= window * STUCK_FACTOR;

  /** A just-committed event goes straight to memory when nothing older waits in the store. */
  const admitNew = (
    { id, time, webhookId }: AppendedEvent,
    event: NewEvent & { readonly conversation: string },
    element: Element | undefined,
  ) => {
    if (stopped) return;
    if (!caughtUp || full()) {
      caughtUp = false;
      return;
    }
    cursor = id;
    // Field by field rather than a spread of the event: one object shape for every
    // delivery, and the spread's property-by-property copy showed in receive profiles.
    const delivery: Delivery = {
      id,
      stream: event.stream,
      time,
      kind: event.kind,
      stanza: event.stanza,
      webhookId,
      conversation: event.conversation,
      state: "pending",
      attempts: 0,
      nextAttemptAt: 0,
      updatedAt: time,
      lastError: undefined,
    };
    admit(delivery, element);
  };

  /** Reads the store's pending deliveries in id order while the window has room. */
  async function feed(): Promise<void> {
    if (feeding || stopped) return;
    feeding = true;
    try {
      while (
        !stopped &&
        !caughtUp &&
        active() < window / 2 &&
        scheduler.held < window * STUCK_FACTOR
      ) {
        const seq = appendSeq;
        const rows = await serial(async () => {
          await commit();
          return store.listDeliveries({ state: "pending", after: cursor, limit: PAGE });
        });
        for (const row of rows) admit(row);
        const last = rows[rows.length - 1];
        if (last) cursor = Math.max(cursor, last.id);
        if (rows.length < PAGE && seq === appendSeq) caughtUp = true;
      }
    } catch (err) {
      log.error("reading the delivery backlog failed", { err });
    } finally {
      feeding = false;
    }
  }

  /** A conversation that overflowed ran dry in memory: read its next rows. */
  async function reload(conversation: string): Promise<void> {
    const spill = overflow.get(conversation);
    if (!spill || spill.reloading || stopped) return;
    spill.reloading = true;
    spill.missed = false;
    try {
      const rows = await serial(async () => {
        await commit();
        return store.listDeliveries({
          state: "pending",
          conversation,
          after: lastQueued.get(conversation) ?? 0,
          limit: perConversation,
        });
      });
      spill.reloading = false;
      if (rows.length < perConversation && !spill.missed) overflow.delete(conversation);
      for (const row of rows) push(row);
      if (rows.length === 0) {
        if (overflow.has(conversation)) void reload(conversation);
        else lastQueued.delete(conversation);
      }
    } catch (err) {
      spill.reloading = false;
      log.error("reading a conversation's backlog failed", { conversation, err });
    }
  }

  return {
    async start() {
      const backlog = await store.backlog();
      pending += backlog.pending;
      if (backlog.pending > 0) {
        log.info("delivering the backlog left by the last run", { pending: backlog.pending });
      }
      await feed();
    },
    enqueue(event, element) {
      pending += 1;
      return new Promise<number>((resolve, reject) => {
        appends.push({ event, element, resolve, reject });
        scheduleFlush();
      });
    },
    async retry(id) {
      const result = await serial(async (): Promise<RetryResult> => {
        await commit();
        const before = await store.getDelivery(id);
        if (!before) return { status: "unknown" };
        if (before.state === "delivered") return { status: "delivered", delivery: before };
        const delivery = await store.requeueDelivery(id, now());
        return delivery
          ? { status: "requeued", delivery, was: before.state }
          : { status: "unknown" };
      });
      if (result.status !== "requeued" || stopped) return result;
      const { delivery } = result;
      if (result.was === "failed") pending += 1;
      const inMemory = held.get(id);
      if (inMemory) {
        inMemory.attempts = 0;
        scheduler.wake(delivery.conversation);
      } else if (delivery.id > cursor && !caughtUp) {
        // Ahead of the window: the feeder reads it in its turn.
      } else if (delivery.id > (lastQueued.get(delivery.conversation) ?? 0)) {
        admit(delivery);
      } else {
        // A dead letter behind what its conversation already delivered: it goes now.
        const queued: QueuedDelivery = { delivery, attempts: 0 };
        held.set(id, queued);
        scheduler.push(delivery.conversation, queued, 0);
      }
      return result;
    },
    get pending() {
      return pending;
    },
    async stop() {
      stopped = true;
      await scheduler.close();
      await flush();
    },
  };
}
