import { badRequest } from "../stanza/errors.js";

// Plain decimal seconds only: Number() would also read "1e-9", "0x10" (16) or "Infinity",
// none of which a caller means as a timeout.
const DECIMAL_SECONDS = /^\s*(\d{1,9})(?:\.(\d{1,9}))?\s*$/;

/**
 * The iq wait a `Prosody-Rest-Timeout` (or `Rest-Timeout`) header asks for, in ms: plain
 * decimal seconds of at least one millisecond, capped at `maxMs`; `fallbackMs` without a header.
 */
export function parseTimeoutHeader(
  header: string | undefined,
  fallbackMs: number,
  maxMs: number,
): number {
  if (header === undefined) return fallbackMs;
  const match = DECIMAL_SECONDS.exec(header);
  const ms = match ? Math.round(Number(`${match[1]}.${match[2] ?? "0"}`) * 1000) : 0;
  if (ms < 1) {
    throw badRequest(
      "Prosody-Rest-Timeout must be plain decimal seconds, at least 0.001 (e.g. 10 or 2.5)",
    );
  }
  return Math.min(ms, maxMs);
}
