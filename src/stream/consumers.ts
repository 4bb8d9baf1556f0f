/** One connected reader of an owner's log (an SSE or WebSocket connection, or a waiting long-poll). */
export interface Consumer {
  /** The stream it reads: its owner's id (owner.ts). */
  readonly stream: string;
  readonly kind: "sse" | "websocket" | "long-poll";
  /** Called every check interval: a consumer that has stalled cuts itself off. */
  check(now: number): void;
  /** Ends the consumer, telling it why where the transport allows. */
  close(reason: string): void;
}

export interface Consumers {
  add(consumer: Consumer): void;
  delete(consumer: Consumer): void;
  readonly size: number;
  /** Consumers of one owner's stream. */
  countFor(stream: string): number;
  /** How many of each kind are connected (read by the metrics at scrape time). */
  byKind(): Record<Consumer["kind"], number>;
  /** Closes every consumer, or one stream's (shutdown, an owner deleted or now on a webhook). */
  closeAll(reason: string, stream?: string): void;
  stop(): void;
}

/** Every consumer the bridge holds, with one shared timer that looks for stalled ones. */
export function createConsumers(checkEveryMs: number): Consumers {
  const all = new Set<Consumer>();
  const timer = setInterval(() => {
    const now = Date.now();
    for (const consumer of [...all]) consumer.check(now);
  }, checkEveryMs);
  timer.unref();
  return {
    add: (consumer) => all.add(consumer),
    delete: (consumer) => all.delete(consumer),
    get size() {
      return all.size;
    },
    countFor(stream) {
      let n = 0;
      for (const consumer of all) if (consumer.stream === stream) n += 1;
      return n;
    },
    byKind() {
      const counts: Record<Consumer["kind"], number> = { sse: 0, websocket: 0, "long-poll": 0 };
      for (const consumer of all) counts[consumer.kind] += 1;
      return counts;
    },
    closeAll(reason, stream) {
      for (const consumer of [...all]) {
        if (stream === undefined || consumer.stream === stream) consumer.close(reason);
      }
    },
    stop() {
      clearInterval(timer);
    },
  };
}
