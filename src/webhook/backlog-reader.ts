import type { Element } from "@xmpp/xml";
import type { Logger } from "../log.js";
import type { ClaimedPage, Delivery } from "../store/index.js";
import type { DeliveryWindow } from "./delivery-window.js";

/** Rows claimed per read of the backlog. */
const PAGE = 500;

export interface BacklogReaderOptions {
  /** Claims the stream's pending deliveries after `after`, at most `limit`. */
  readonly claim: (after: number, limit: number) => Promise<ClaimedPage>;
  readonly window: Pick<DeliveryWindow, "admit" | "full" | "hungry">;
  readonly log: Pick<Logger, "error">;
}

export interface BacklogReader {
  /** Reads the store's pending deliveries in id order while the window has room. */
  feed(): Promise<void>;
  /** Feeds soon, unless caught up (something in memory finished or started waiting). */
  nudge(): void;
  /**
   * A just-committed delivery goes straight to memory when nothing older waits in the
   * store, it is this queue's (claimed at append) and the window has room; otherwise the
   * reader reads it in its turn.
   */
  appended(delivery: Delivery, element: Element | undefined, claimed: boolean): void;
  /** Whether the reader has yet to reach this id (it reads it in its turn). */
  ahead(id: number): boolean;
  /** The store passed rows over that another claimant held: read again from there later. */
  heldElsewhere(id: string | undefined): void;
  /** Reads again from what others held, now that their claims may have ended. */
  retake(): void;
  /** Reads the whole backlog again (a process that held claims died: they are free now). */
  rescan(): void;
  stop(): void;
}

/**
 * The queue's cursor over its stream's backlog: what the last run left, what did not fit in
 * the window, what another claimant held. Caught up means nothing older than the newest
 * admitted row waits in the store, so new appends may go straight to memory.
 */
export function createBacklogReader(options: BacklogReaderOptions): BacklogReader {
  const { window, log } = options;
  let cursor = 0;
  let caughtUp = false;
  // Appends committed so far: a read that raced with one does not prove the reader caught up.
  let appendSeq = 0;
  let feeding = false;
  let stopped = false;
  let retakeFrom: number | undefined;
  let rescanAfterFeed = false;

  async function feed(): Promise<void> {
    if (feeding || stopped) return;
    feeding = true;
    try {
      while (!stopped && !caughtUp && window.hungry) {
        const seq = appendSeq;
        const page = await options.claim(cursor, PAGE);
        reader.heldElsewhere(page.heldElsewhere);
        for (const row of page.deliveries) window.admit(row);
        const last = page.deliveries[page.deliveries.length - 1];
        if (last) cursor = Math.max(cursor, Number(last.id));
        if (page.deliveries.length < PAGE && seq === appendSeq) caughtUp = true;
      }
    } catch (err) {
      log.error("reading the delivery backlog failed", { err });
    } finally {
      feeding = false;
      if (rescanAfterFeed && !stopped) {
        rescanAfterFeed = false;
        reader.retake();
      }
    }
  }

  const reader: BacklogReader = {
    feed,
    nudge() {
      if (!caughtUp) void feed();
    },
    appended(delivery, element, claimed) {
      appendSeq += 1;
      if (stopped) return;
      if (!caughtUp || window.full || !claimed) {
        const wasCaughtUp = caughtUp;
        caughtUp = false;
        // Not ours yet (another claimant holds its conversation): the reader sorts it out.
        if (!claimed && wasCaughtUp) void feed();
        return;
      }
      cursor = Number(delivery.id);
      window.admit(delivery, element);
    },
    ahead: (id) => id > cursor && !caughtUp,
    heldElsewhere(id) {
      if (id === undefined) return;
      const n = Number(id);
      if (retakeFrom === undefined || n < retakeFrom) retakeFrom = n;
    },
    retake() {
      // While a read is under way its cursor moves on: the next tick retakes.
      if (retakeFrom === undefined || stopped || feeding) return;
      // Rows read twice are skipped by the window (by id per conversation).
      cursor = Math.min(cursor, retakeFrom - 1);
      retakeFrom = undefined;
      caughtUp = false;
      void feed();
    },
    rescan() {
      if (stopped) return;
      retakeFrom = 1;
      // A read under way moves the cursor on: retake once it is done.
      if (feeding) rescanAfterFeed = true;
      else reader.retake();
    },
    stop() {
      stopped = true;
    },
  };
  return reader;
}
