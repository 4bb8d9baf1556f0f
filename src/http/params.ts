/**
 * The query parameters of the /v1 reads, as the README documents them: a bad value is a 400
 * naming the parameter; a value above its maximum is clamped to it.
 */
import { badRequest } from "../stanza/errors.js";
import { isId } from "../store/ids.js";

/** Telegram's getUpdates bounds: at most 100 events per answer; waits are capped at 50 s. */
export const MAX_EVENTS = 100;
export const MAX_WAIT_SECONDS = 50;
export const HISTORY_DEFAULT_LIMIT = 50;
export const HISTORY_MAX_LIMIT = 100;

/** An event or history id from a query parameter or Last-Event-ID. */
export function parseAfter(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (!isId(text)) {
    throw badRequest(`${name} must be an event id (a whole number, e.g. 0 or 42)`);
  }
  return text;
}

/** A long-poll's `wait` (seconds, default 0) and `limit` (default and maximum MAX_EVENTS). */
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
  let limit = MAX_EVENTS;
  if (query.limit !== undefined) {
    if (!/^\d+$/.test(query.limit.trim()) || Number(query.limit) < 1) {
      throw badRequest(`limit must be a whole number from 1 to ${MAX_EVENTS}`);
    }
    limit = Math.min(Number(query.limit), MAX_EVENTS);
  }
  return { waitMs, limit };
}

/** The `limit` of a history page: the default when absent, clamped to the maximum. */
export function historyLimit(value: string | undefined): number {
  if (value === undefined) return HISTORY_DEFAULT_LIMIT;
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) {
    throw badRequest(`limit must be a whole number from 1 to ${HISTORY_MAX_LIMIT}`);
  }
  return Math.min(Number(value), HISTORY_MAX_LIMIT);
}

/** An event's format: json (the default) or xml (the raw XML beside the JSON mapping). */
export function eventFormat(value: string | undefined): { readonly xml: boolean } {
  if (value === undefined || value === "json") return { xml: false };
  if (value === "xml") return { xml: true };
  throw badRequest("format must be json (the default) or xml (adds the raw XML)");
}
