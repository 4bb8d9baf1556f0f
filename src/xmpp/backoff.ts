/**
 * When to try the component connection again. Two kinds of failure are told apart:
 *
 * - The server could not be reached (connection refused, no route, connect timeout): it is
 *   down or restarting. An attempt costs it nothing, so the link keeps trying at a short
 *   interval however long the outage lasts, and is back within about `unreachableCapMs` of
 *   the server's return.
 * - The server took the connection and then lost it before the link was stable (a refused
 *   handshake, a stream error, a drop soon after going online): retrying fast would hammer a
 *   server that accepts and drops in a loop, so these back off exponentially up to `maxMs`.
 *   The count is forgotten only once the link has stayed online for `stableMs`.
 */
export interface BackoffOptions {
  /** First delay, doubled per consecutive failure. */
  readonly initialMs: number;
  /** Cap while the server is unreachable. */
  readonly unreachableCapMs: number;
  /** Cap for connections the server took and then dropped. */
  readonly maxMs: number;
  /** Online this long, the link counts as stable and the drop count is forgotten. */
  readonly stableMs: number;
}

export type AttemptOutcome =
  /** The TCP connection itself failed. */
  | { readonly reached: false }
  /** The server took the connection; onlineMs is how long the link was up (0: never). */
  | { readonly reached: true; readonly onlineMs: number };

export interface Backoff {
  /** Records how an attempt or a connection ended; returns the delay before the next one. */
  next(outcome: AttemptOutcome): number;
  /** The delay the next failure would get now (for Retry-After while waiting). */
  peek(): number;
}

export function createBackoff(options: BackoffOptions): Backoff {
  const { initialMs, unreachableCapMs, maxMs, stableMs } = options;
  // Consecutive unreachable attempts, and drops since the link was last stable.
  let unreachable = 0;
  let drops = 0;
  const grow = (n: number, cap: number) => Math.min(cap, initialMs * 2 ** Math.min(n, 20));

  return {
    next(outcome) {
      if (!outcome.reached) {
        unreachable += 1;
        return grow(unreachable - 1, unreachableCapMs);
      }
      unreachable = 0;
      if (outcome.onlineMs >= stableMs) {
        // A link that served for a while went down: the server is going away or restarting.
        drops = 0;
        return initialMs;
      }
      drops += 1;
      return grow(drops - 1, maxMs);
    },
    peek() {
      return drops > 0 ? grow(drops, maxMs) : grow(unreachable, unreachableCapMs);
    },
  };
}
