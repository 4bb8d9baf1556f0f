import type { Logger } from "../log.js";
import type { Store } from "./types.js";

export interface PrunerOptions {
  readonly store: Pick<Store, "prune">;
  readonly retentionMs: number;
  readonly log: Pick<Logger, "info" | "warn">;
  /** Pause between rounds when there was nothing (more) to prune. */
  readonly intervalMs?: number;
  /** Rows deleted per transaction: small, so a delivery's commit never waits long. */
  readonly batch?: number;
  readonly now?: () => number;
}

export interface Pruner {
  stop(): Promise<void>;
}

/**
 * Deletes finished deliveries (delivered and dead letters), logged events, history and room
 * messages older than the retention (Store.prune), in small batches with a pause between
 * them, in the background.
 */
export function startPruner(options: PrunerOptions): Pruner {
  const { store, retentionMs, log } = options;
  const intervalMs = options.intervalMs ?? 60_000;
  const batch = options.batch ?? 500;
  const now = options.now ?? Date.now;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const round = async () => {
    let total = 0;
    try {
      for (;;) {
        const before = now() - retentionMs;
        // Finished deliveries, logged events, history and room messages: one retention.
        const removed = await store.prune(before, batch);
        total += removed;
        if (removed < batch || stopped) break;
        // Let deliveries' commits in between batches.
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      if (total > 0) log.info("store pruned", { removed: total });
    } catch (err) {
      log.warn("store pruning failed", { err });
    }
  };

  const next = (delayMs: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = round().then(() => next(intervalMs));
    }, delayMs);
    timer.unref();
  };
  next(Math.min(intervalMs, 1_000));

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
