import { StanzaError } from "../stanza/errors.js";
import type { Consumer, Consumers } from "./consumers.js";
import type { Cursor } from "./cursor.js";
import { type EventFormat, type EventJson, eventJson } from "./event-json.js";

/** Telegram's getUpdates bounds: at most 100 events per answer; waits are capped at 50 s. */
export const MAX_LIMIT = 100;
export const MAX_WAIT_SECONDS = 50;

function badRequest(text: string): StanzaError {
  return new StanzaError("modify", "bad-request", { text, status: 400 });
}

/**
 * `wait` and `limit` as the README documents: not a number, negative, or (limit)
 * zero is a 400; above the maximum is clamped to it.
 */
export function parsePollParams(query: { wait?: string | undefined; limit?: string | undefined }): {
  waitMs: number;
  limit: number;
} {
  let waitMs = 0;
  if (query.wait !== undefined) {
    const wait = Number(query.wait);
    if (query.wait.trim() === "" || !Number.isFinite(wait) || wait < 0) {
      throw badRequest(`wait must be a number of seconds from 0 to ${MAX_WAIT_SECONDS}`);
    }
    waitMs = Math.round(Math.min(wait, MAX_WAIT_SECONDS) * 1000);
  }
  let limit = MAX_LIMIT;
  if (query.limit !== undefined) {
    if (!/^\d+$/.test(query.limit.trim()) || Number(query.limit) < 1) {
      throw badRequest(`limit must be a whole number from 1 to ${MAX_LIMIT}`);
    }
    limit = Math.min(Number(query.limit), MAX_LIMIT);
  }
  return { waitMs, limit };
}

export interface LongPollOptions {
  readonly bot: string;
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
  const { bot, cursor, format, consumers } = options;
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const consumer: Consumer = { bot, kind: "long-poll", check() {}, close: onAbort };
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
