import type Database from "better-sqlite3";

/** Runs a small write as part of the next batch; resolves with what `run` returned. */
export type Batched = <T>(run: () => T) => Promise<T>;

/**
 * Appends of one event-loop turn share one transaction, so one sync of the log (as the
 * webhook queue does): a sync per stanza made a pulling bot half as fast as a webhook.
 * One batcher per store, so a bot's event, its history and a room message of the same
 * turn are one commit.
 */
export function createBatcher(
  db: Database.Database,
  write: <T>(run: () => T) => Promise<T>,
): Batched {
  type Op = { run: () => unknown; resolve: (v: unknown) => void; reject: (e: unknown) => void };
  let batch: Op[] = [];
  const flush = () => {
    const ops = batch;
    batch = [];
    const runAll = db.transaction(() => ops.map((op) => op.run()));
    write(() => runAll()).then(
      (results) => {
        for (const [i, op] of ops.entries()) op.resolve(results[i]);
      },
      (err: unknown) => {
        for (const op of ops) op.reject(err);
      },
    );
  };
  return <T>(run: () => T): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (batch.length === 0) setImmediate(flush);
      batch.push({ run, resolve: resolve as (v: unknown) => void, reject });
    });
}
