export interface Summary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export const EMPTY: Summary = { count: 0, p50: 0, p99: 0, max: 0, mean: 0 };

/** Nearest-rank percentile of an ascending array. */
function rank(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? 0;
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/** Latency samples (ms) collected into a growable typed array: no per-sample allocation. */
export class Samples {
  private data = new Float64Array(4096);
  private length = 0;

  add(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  get count(): number {
    return this.length;
  }

  summary(): Summary {
    return summarize(this.data.subarray(0, this.length));
  }
}

export function summarize(values: ArrayLike<number>): Summary {
  if (values.length === 0) return EMPTY;
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    p50: round(rank(sorted, 50)),
    p99: round(rank(sorted, 99)),
    max: round(sorted[sorted.length - 1] ?? 0),
    mean: round(sum / sorted.length),
  };
}

/** Events per second over a window in ms, rounded to a whole number. */
export function perSecond(count: number, windowMs: number): number {
  return windowMs > 0 ? Math.round((count * 1000) / windowMs) : 0;
}
