import type { EventLog, StoredEvent } from "../store/events.js";

export interface Cursor {
  /** The id of the last event handed out (the consumer's position). */
  readonly position: string;
  /**
   * The next events after the position, at most `limit`; waits up to `waitMs`
   * for one to arrive when none are there. Resolves [] on timeout or abort.
   */
  next(limit: number, waitMs: number, signal?: AbortSignal): Promise<StoredEvent[]>;
  close(): void;
}

/**
 * A consumer's position in one stream of the log (an owner's: `bot:<name>`). It reads from
 * the store and keeps nothing but its position, so a consumer that reads slowly costs no
 * memory: the log is the buffer.
 */
export function createCursor(
  store: Pick<EventLog, "readEvents" | "watchEvents">,
  stream: string,
  after: string,
): Cursor {
  let position = after;
  let appended = false;
  let wake: (() => void) | undefined;
  // Subscribed before the first read, so an append between a read and a wait is not missed.
  const unwatch = store.watchEvents(stream, () => {
    appended = true;
    wake?.();
  });

  const waitForAppend = (waitMs: number, signal?: AbortSignal) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      signal?.addEventListener("abort", done, { once: true });
      wake = done;
    });

  return {
    get position() {
      return position;
    },
    async next(limit, waitMs, signal) {
      const deadline = Date.now() + waitMs;
      for (;;) {
        appended = false;
        const events = await store.readEvents(stream, position, limit);
        const last = events[events.length - 1];
        if (last) {
          position = last.id;
          return events;
        }
        const left = deadline - Date.now();
        if (signal?.aborted || left <= 0) return [];
        if (!appended) await waitForAppend(left, signal);
      }
    },
    close() {
      wake?.();
      unwatch();
    },
  };
}
