import type { Consumer, Consumers } from "./consumers.js";
import type { Cursor } from "./cursor.js";
import { type EventFormat, type EventJson, eventJson } from "./event-json.js";

export interface LongPollOptions {
  /** The owner's stream (its owner id), for the consumer list and the log. */
  readonly stream: string;
  readonly cursor: Cursor;
  readonly format: EventFormat;
  readonly waitMs: number;
  readonly limit: number;
  readonly consumers: Consumers;
  /** Aborted when the client goes away. */
  readonly signal?: AbortSignal | undefined;
}

/** One long-poll: what is there at once, else what arrives within the wait, possibly []. */
export async function longPoll(options: LongPollOptions): Promise<EventJson[]> {
  const { stream, cursor, format, consumers } = options;
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const consumer: Consumer = { stream, kind: "long-poll", check() {}, close: onAbort };
  consumers.add(consumer);
  try {
    const events = await cursor.next(options.limit, options.waitMs, abort.signal);
    return events.map((event) => eventJson(event, format));
  } finally {
    consumers.delete(consumer);
    options.signal?.removeEventListener("abort", onAbort);
    cursor.close();
  }
}
