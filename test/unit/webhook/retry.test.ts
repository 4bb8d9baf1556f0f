import { describe, expect, it } from "vitest";
import {
  asksNoRetry,
  isRetryable,
  MAX_RETRY_AFTER_MS,
  nextDelay,
  retryAfterMs,
} from "../../../src/webhook/retry.js";

const answered = (status: number) =>
  ({ kind: "answered", status, contentType: undefined, body: "" }) as const;

describe("retry rules", () => {
  it("retries transport failures, 408, 429 and 5xx; nothing else", () => {
    expect(isRetryable({ kind: "unreachable", reason: "ECONNREFUSED" })).toBe(true);
    expect(isRetryable({ kind: "timeout", seconds: 1 })).toBe(true);
    for (const status of [408, 429, 500, 502, 503, 504]) {
      expect(isRetryable(answered(status))).toBe(true);
    }
    for (const status of [200, 202, 204, 400, 401, 403, 404, 410, 422]) {
      expect(isRetryable(answered(status))).toBe(false);
    }
    expect(isRetryable({ kind: "too-large", status: 200, limit: 1 })).toBe(false);
  });

  it("follows the schedule with at most 10% jitter, and ends after its last delay", () => {
    const schedule = [5_000, 300_000];
    expect(nextDelay(schedule, 1, undefined, () => 0)).toBe(4_500);
    expect(nextDelay(schedule, 1, undefined, () => 1)).toBe(5_500);
    expect(nextDelay(schedule, 2, undefined, () => 0.5)).toBe(300_000);
    expect(nextDelay(schedule, 3, undefined)).toBeUndefined();
    expect(nextDelay([], 1, undefined)).toBeUndefined();
  });

  it("honours Retry-After on 429 and 503 only, in seconds or as a date, bounded", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterMs(429, { "retry-after": "2" }, now)).toBe(2_000);
    expect(retryAfterMs(503, { "retry-after": "Thu, 01 Jan 2026 00:00:30 GMT" }, now)).toBe(30_000);
    expect(retryAfterMs(500, { "retry-after": "2" }, now)).toBeUndefined();
    expect(retryAfterMs(429, { "retry-after": "soon" }, now)).toBeUndefined();
    expect(retryAfterMs(429, { "retry-after": "999999" }, now)).toBe(MAX_RETRY_AFTER_MS);
    // Retry-After replaces the planned delay, but the schedule still limits the attempts.
    expect(nextDelay([5_000], 1, 2_000)).toBe(2_000);
    expect(nextDelay([5_000], 2, 2_000)).toBeUndefined();
  });

  it("reads the stop header", () => {
    expect(asksNoRetry({ "webhook-no-retry": "1" })).toBe(true);
    expect(asksNoRetry({ "webhook-no-retry": "true" })).toBe(true);
    expect(asksNoRetry({ "webhook-no-retry": "0" })).toBe(false);
    expect(asksNoRetry({})).toBe(false);
  });
});
