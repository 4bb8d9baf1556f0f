/**
 * Milliseconds since the epoch with sub-millisecond resolution. Processes on one machine
 * share the clock, so a timestamp written by one and read by another gives a latency.
 */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
