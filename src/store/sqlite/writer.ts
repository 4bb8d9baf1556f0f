import type Database from "better-sqlite3";
import { StoreFullError } from "../errors.js";

/**
 * Every write and read of one SQLite store goes through here, so that commits are grouped
 * in one place: appends and outcomes of one event-loop turn share one transaction, one sync
 * of the log. A sync per stanza made one webhook conversation 10x slower on a loaded
 * machine, and a pulling bot half as fast as a webhook (see the README's durability text).
 */
export interface Writer {
  /**
   * Joins this turn's commit; resolves with what `run` returned once committed (`committed`
   * runs first, e.g. to wake watchers). `durable`: the commit syncs the log (appends); a
   * commit of progress only (outcomes, positions) skips the sync: a power cut can lose it,
   * and a stanza is delivered again (at least once, as after a crash).
   */
  batched<T>(run: () => T, durable: boolean, committed?: (result: T) => void): Promise<T>;
  /** A write of its own (one statement or a `db.transaction`), after what is batched. */
  write<T>(run: () => T, relaxed?: boolean): Promise<T>;
  /** A read, after what is batched: it sees every write asked for before it. */
  read<T>(run: () => T): Promise<T>;
  /** Commits what is batched now. */
  flush(): void;
}

interface Op {
  readonly run: () => unknown;
  readonly durable: boolean;
  readonly committed: ((result: unknown) => void) | undefined;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
}

function isFull(err: unknown): boolean {
  return (err as { code?: string })?.code === "SQLITE_FULL";
}

export function createWriter(
  db: Database.Database,
  options: { readonly location: string; readonly synchronous: "FULL" | "NORMAL" },
): Writer {
  const { location, synchronous } = options;
  let ops: Op[] = [];
  // At most one flush waits for the next turn. A flush run early (a read or a write of its
  // own) cancels it: otherwise every early flush would leave one more behind, each taking a
  // few ops, and commits would shrink to a handful of ops for good.
  let scheduled: NodeJS.Immediate | undefined;
  const runAll = db.transaction((batch: readonly Op[]) => batch.map((op) => op.run()));

  /** Runs a write; a full disk becomes StoreFullError (the transaction was rolled back). */
  const commit = <T>(run: () => T, relaxed: boolean): T => {
    try {
      if (!relaxed || synchronous !== "FULL") return run();
      db.pragma("synchronous = NORMAL");
      try {
        return run();
      } finally {
        db.pragma("synchronous = FULL");
      }
    } catch (err) {
      if (isFull(err)) throw new StoreFullError(`store ${location} is full`, { cause: err });
      throw err;
    }
  };

  /** Committed: each op resolves, or rejects with what its own follow-up threw (never another's). */
  const settle = (batch: readonly Op[], results: readonly unknown[]) => {
    batch.forEach((op, i) => {
      const result = results[i];
      try {
        op.committed?.(result);
        op.resolve(result);
      } catch (err) {
        op.reject(err);
      }
    });
  };

  const flush = () => {
    if (scheduled) clearImmediate(scheduled);
    scheduled = undefined;
    if (ops.length === 0) return;
    const batch = ops;
    ops = [];
    const durable = batch.some((op) => op.durable);
    try {
      settle(
        batch,
        commit(() => runAll(batch), !durable),
      );
      return;
    } catch (err) {
      // Nothing of the commit was written: the appends fail, progress gets a commit of its own.
      for (const op of batch) if (op.durable || !durable) op.reject(err);
      if (!durable) return;
    }
    const progress = batch.filter((op) => !op.durable);
    if (progress.length === 0) return;
    try {
      settle(
        progress,
        commit(() => runAll(progress), true),
      );
    } catch (err) {
      for (const op of progress) op.reject(err);
    }
  };

  const attempt = <T>(run: () => T): Promise<T> => {
    try {
      return Promise.resolve(run());
    } catch (err) {
      return Promise.reject(err);
    }
  };

  return {
    batched<T>(run: () => T, durable: boolean, committed?: (result: T) => void) {
      return new Promise<T>((resolve, reject) => {
        ops.push({
          run,
          durable,
          committed: committed as ((result: unknown) => void) | undefined,
          resolve: resolve as (value: unknown) => void,
          reject,
        });
        scheduled ??= setImmediate(flush);
      });
    },
    write(run, relaxed = false) {
      flush();
      return attempt(() => commit(run, relaxed));
    },
    read(run) {
      flush();
      return attempt(run);
    },
    flush,
  };
}
