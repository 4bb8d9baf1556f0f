import type { Element } from "@xmpp/xml";
import type { Logger } from "../log.js";
import type { Delivery } from "../store/index.js";
import { createScheduler, type RunResult } from "./scheduler.js";

/** A delivery held in memory; `attempts` moves on with each try. */
export interface QueuedDelivery {
  readonly delivery: Delivery;
  attempts: number;
  /** The stanza as read from the link, when still at hand (saves parsing it back). */
  readonly element?: Element;
}

/**
 * Conversations waiting for a retry do not count against the window (so one stuck
 * conversation cannot starve the others), up to this many times the window.
 */
const STUCK_FACTOR = 20;

export interface WindowOptions {
  readonly concurrency: number;
  /** Deliveries held in memory at most (the rest wait in the store). */
  readonly window: number;
  /** Of which one conversation may hold at most this many. */
  readonly perConversation: number;
  /** Runs one attempt (./scheduler.ts: head of line per conversation). */
  readonly run: (queued: QueuedDelivery) => Promise<RunResult>;
  /** A conversation's next pending rows after `after`, at most `limit`, oldest first (claimed). */
  readonly readConversation: (
    conversation: string,
    after: number,
    limit: number,
  ) => Promise<Delivery[]>;
  /** A conversation ran dry in memory: room for what waits in the store. */
  readonly drained: () => void;
  readonly log: Pick<Logger, "error">;
}

export interface DeliveryWindow {
  /** Takes a pending row into memory unless it is there already or its conversation is full. */
  admit(delivery: Delivery, element?: Element): void;
  /** An admin retry of a delivery the store put back to pending; `ahead`: the backlog reader will read it. */
  retried(delivery: Delivery, ahead: boolean): void;
  /** The delivery is done with (delivered or dead): it leaves memory. */
  finished(id: string): void;
  /** No room for new deliveries: they wait in the store. */
  readonly full: boolean;
  /** Room for the backlog reader's next page. */
  readonly hungry: boolean;
  /** Starts nothing new; resolves once the attempts in flight end. */
  close(): Promise<void>;
}

/**
 * The bounded in-memory part of the durable queue: which deliveries are held (and handed
 * to the per-conversation scheduler), at most `window` of them and `perConversation` of one
 * conversation. A conversation with more pending rows than that "spills over": its rows
 * wait in the store and are read back, in id order, when it runs dry in memory. Rows read
 * twice are skipped by id, so order per conversation survives the window.
 */
export function createDeliveryWindow(options: WindowOptions): DeliveryWindow {
  const { window, perConversation, log } = options;
  const held = new Map<string, QueuedDelivery>();
  // Highest id queued per conversation in memory: rows read twice are skipped.
  const lastQueued = new Map<string, number>();
  // Conversations with more pending rows in the store than in memory.
  const overflow = new Map<string, { reloading: boolean; missed: boolean }>();
  let closed = false;

  const scheduler = createScheduler<QueuedDelivery>({
    concurrency: options.concurrency,
    run: options.run,
    onEmpty: (conversation) => {
      if (overflow.has(conversation)) void reload(conversation);
      else lastQueued.delete(conversation);
      options.drained();
    },
  });

  const push = (delivery: Delivery, element?: Element) => {
    const queued: QueuedDelivery = {
      delivery,
      attempts: delivery.attempts,
      ...(element ? { element } : {}),
    };
    held.set(delivery.id, queued);
    lastQueued.set(delivery.conversation, Number(delivery.id));
    scheduler.push(delivery.conversation, queued, delivery.nextAttemptAt);
  };

  const admit = (delivery: Delivery, element?: Element) => {
    const { conversation } = delivery;
    if (Number(delivery.id) <= (lastQueued.get(conversation) ?? 0)) return;
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

  /** A conversation that overflowed ran dry in memory: read its next rows. */
  async function reload(conversation: string): Promise<void> {
    const spill = overflow.get(conversation);
    if (!spill || spill.reloading || closed) return;
    spill.reloading = true;
    spill.missed = false;
    try {
      const after = lastQueued.get(conversation) ?? 0;
      const rows = await options.readConversation(conversation, after, perConversation);
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

  /** Deliveries in memory that could start (not held up by a retry wait). */
  const active = () => scheduler.held - scheduler.heldWaiting;

  return {
    admit,
    retried(delivery, ahead) {
      const inMemory = held.get(delivery.id);
      if (inMemory) {
        inMemory.attempts = 0;
        scheduler.wake(delivery.conversation);
      } else if (ahead) {
        // Ahead of the window: the backlog reader reads it in its turn.
      } else if (Number(delivery.id) > (lastQueued.get(delivery.conversation) ?? 0)) {
        admit(delivery);
      } else {
        // A dead letter behind what its conversation already delivered: it goes now.
        const queued: QueuedDelivery = { delivery, attempts: 0 };
        held.set(delivery.id, queued);
        scheduler.push(delivery.conversation, queued, 0);
      }
    },
    finished(id) {
      held.delete(id);
    },
    get full() {
      return active() >= window || scheduler.held >= window * STUCK_FACTOR;
    },
    get hungry() {
      return active() < window / 2 && scheduler.held < window * STUCK_FACTOR;
    },
    close() {
      closed = true;
      return scheduler.close();
    },
  };
}
