/**
 * Failed logins counted per key (a JID, a client address) in a sliding window: the bridge
 * must not become a password oracle (README, "Accounts", security). Bounded: the oldest keys
 * go first when too many are tracked.
 */
export interface FailureLimiter {
  /** Seconds until another attempt is allowed; 0 when it is allowed now. */
  blockedFor(key: string): number;
  fail(key: string): void;
}

export function createFailureLimiter(options: {
  readonly max: number;
  readonly windowMs: number;
  readonly maxKeys?: number;
  readonly now?: () => number;
}): FailureLimiter {
  const { max, windowMs } = options;
  const maxKeys = options.maxKeys ?? 100_000;
  const now = options.now ?? Date.now;
  const failures = new Map<string, number[]>();

  const recent = (key: string) => {
    const times = failures.get(key);
    if (!times) return [];
    const since = now() - windowMs;
    while (times.length > 0 && (times[0] ?? 0) <= since) times.shift();
    if (times.length === 0) failures.delete(key);
    return times;
  };

  return {
    blockedFor(key) {
      const times = recent(key);
      if (times.length < max) return 0;
      const oldest = times[times.length - max] ?? now();
      return Math.max(1, Math.ceil((oldest + windowMs - now()) / 1000));
    },
    fail(key) {
      const times = recent(key);
      times.push(now());
      failures.delete(key);
      failures.set(key, times);
      if (failures.size > maxKeys) {
        const first = failures.keys().next().value;
        if (first !== undefined) failures.delete(first);
      }
    },
  };
}
