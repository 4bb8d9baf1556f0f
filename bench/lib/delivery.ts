import { now } from "./clock.js";
import { Samples, type Summary } from "./stats.js";

/** Body of every benchmark message: its sequence number and the time it was sent. */
export const messageBody = (seq: number, sentAt: number) => `${seq} ${sentAt.toFixed(3)}`;

const BODY = /^(\d+) (\d+(?:\.\d+)?)$/;

export function parseBody(text: string | undefined): { seq: number; sentAt: number } | undefined {
  const match = text === undefined ? null : BODY.exec(text);
  if (!match) return undefined;
  return { seq: Number(match[1]), sentAt: Number(match[2]) };
}

export interface DeliveryReport {
  readonly unique: number;
  readonly duplicates: number;
  /** Arrivals with a sequence number outside the run (should be 0). */
  readonly strays: number;
  readonly latency: Summary;
  readonly firstAt: number;
  readonly lastAt: number;
}

/** Counts arrivals by sequence number: unique, duplicated, and end-to-end latency. */
export class DeliveryTracker {
  private readonly seen: Uint8Array;
  private readonly latency = new Samples();
  private listeners = new Set<() => void>();
  unique = 0;
  duplicates = 0;
  strays = 0;
  firstAt = 0;
  lastAt = 0;

  constructor(readonly capacity: number) {
    this.seen = new Uint8Array(capacity);
  }

  /** Records one arrival; returns true the first time a sequence number is seen. */
  arrive(seq: number, sentAt: number, at = now()): boolean {
    if (!Number.isInteger(seq) || seq < 0 || seq >= this.capacity) {
      this.strays += 1;
      return false;
    }
    if (this.seen[seq]) {
      this.duplicates += 1;
      return false;
    }
    this.seen[seq] = 1;
    this.unique += 1;
    if (this.firstAt === 0) this.firstAt = at;
    this.lastAt = at;
    this.latency.add(at - sentAt);
    for (const listener of this.listeners) listener();
    return true;
  }

  has(seq: number): boolean {
    return this.seen[seq] === 1;
  }

  onArrival(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Waits until `expected` unique arrivals, or until nothing arrived for idleMs, or maxMs. */
  async settle(expected: number, idleMs: number, maxMs: number): Promise<void> {
    const started = Date.now();
    let last = this.unique;
    let lastChange = Date.now();
    while (this.unique < expected && Date.now() - started < maxMs) {
      await new Promise((r) => setTimeout(r, 20));
      if (this.unique !== last) {
        last = this.unique;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > idleMs) break;
    }
  }

  report(): DeliveryReport {
    return {
      unique: this.unique,
      duplicates: this.duplicates,
      strays: this.strays,
      latency: this.latency.summary(),
      firstAt: this.firstAt,
      lastAt: this.lastAt,
    };
  }
}
