import type { Outcome } from "./reply.js";

/**
 * Which webhook outcomes are worth another attempt, and when. Transient failures
 * (connection refused or reset, timeout, 408, 429, 5xx) are retried; any other
 * answer is final, so the reply rules apply to it as they did before retries.
 */

/** Answer header by which a webhook stops retries of one stanza. */
export const NO_RETRY_HEADER = "webhook-no-retry";
/** Upper bound for a Retry-After the bridge honours. */
export const MAX_RETRY_AFTER_MS = 3_600_000;
/** Delays are multiplied by a factor in [1 - JITTER, 1 + JITTER]. */
const JITTER = 0.1;

export type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers | undefined, name: string): string | undefined {
  const value = headers?.[name];
  return Array.isArray(value) ? value[0] : value;
}

export function isRetryable(outcome: Outcome): boolean {
  switch (outcome.kind) {
    case "timeout":
    case "unreachable":
      return true;
    case "answered":
      return outcome.status === 408 || outcome.status === 429 || outcome.status >= 500;
    default:
      return false;
  }
}

/** True when the answer carries the stop header (any value but 0/false). */
export function asksNoRetry(headers: Headers | undefined): boolean {
  const value = header(headers, NO_RETRY_HEADER)?.trim().toLowerCase();
  return value !== undefined && value !== "" && value !== "0" && value !== "false";
}

/**
 * RFC 9110 §10.2.3: delay-seconds or an HTTP-date, honoured on 429 and 503
 * (RFC 6585 §4, RFC 9110 §15.6.4) and bounded; undefined when absent or unreadable.
 */
export function retryAfterMs(
  status: number,
  headers: Headers | undefined,
  now: number,
): number | undefined {
  if (status !== 429 && status !== 503) return undefined;
  const value = header(headers, "retry-after")?.trim();
  if (!value) return undefined;
  let ms: number;
  if (/^\d+$/.test(value)) ms = Number(value) * 1000;
  else {
    const date = Date.parse(value);
    if (Number.isNaN(date)) return undefined;
    ms = date - now;
  }
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

/**
 * Delay before the attempt after `attempts` failed ones, or undefined when the
 * schedule is used up. `schedule` holds the delays between attempts, in ms.
 */
export function nextDelay(
  schedule: readonly number[],
  attempts: number,
  retryAfter: number | undefined,
  random: () => number = Math.random,
): number | undefined {
  const planned = schedule[attempts - 1];
  if (planned === undefined) return undefined;
  // The webhook's own word wins over the plan (no sooner, and not needlessly later).
  if (retryAfter !== undefined) return retryAfter;
  return Math.round(planned * (1 - JITTER + 2 * JITTER * random()));
}
