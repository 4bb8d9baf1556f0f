import type pg from "pg";
import { FencedError } from "../errors.js";
import { executeBatch, isDurable, isFenced, type WriteOp, type WriteResult } from "./batch.js";
import { isConnectionError, storeError } from "./connect.js";
import { type FenceState, holdsLease } from "./fence.js";

/**
 * Every batched write of one PostgreSQL store goes through here: one commit at a time, and all
 * that was asked for while a commit was under way goes into the next one (group commit). So
 * commits follow one another in order (the log's ids commit in increasing order), one sync of
 * the log serves many appends under load, and a lone append waits for nothing but its own
 * commit.
 */
export interface PgWriter {
  /** Joins the next commit; resolves with the op's result once committed. */
  enqueue(op: WriteOp): Promise<WriteResult>;
  /** Resolves once everything enqueued before it is settled (committed or failed). */
  barrier(): Promise<void>;
  /** A transaction of its own (on a pool connection), after everything enqueued before it. */
  transaction<T>(run: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  /** Waits for what is enqueued, then takes nothing more. */
  close(): Promise<void>;
}

export interface WriterOptions {
  readonly pool: pg.Pool;
  /** The store's clock (ms), or null: the database's. */
  readonly clock: () => number | null;
  readonly fence: () => FenceState;
  readonly instance: string;
  /** After a commit: the ops and what they got (wakes local watchers). */
  readonly committed: (ops: readonly WriteOp[], results: readonly WriteResult[]) => void;
}

interface Pending {
  readonly op: WriteOp;
  readonly resolve: (value: WriteResult) => void;
  readonly reject: (err: unknown) => void;
}

export function createWriter(options: WriterOptions): PgWriter {
  const { pool, clock, fence, instance } = options;
  let queue: Pending[] = [];
  let running = false;
  let scheduled = false;
  let closed = false;
  // Settles after the newest op enqueued: every earlier one has settled by then (commits are in order).
  let last: Promise<void> = Promise.resolve();
  let idle: (() => void)[] = [];

  const settleIdle = () => {
    if (running || scheduled || queue.length > 0) return;
    const waiting = idle;
    idle = [];
    for (const resolve of waiting) resolve();
  };

  /** Commits one group in one transaction; fenced ops fail alone when the lease moved. */
  const commitGroup = async (group: readonly Pending[]): Promise<void> => {
    const fenceState = fence();
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      const failure = storeError(err);
      for (const p of group) p.reject(failure);
      return;
    }
    let broken = false;
    let split = false;
    let ops: readonly Pending[] = group;
    try {
      await client.query("BEGIN");
      // Progress only: losing it to a crash of the database costs a repeated delivery at most.
      if (!group.some((p) => isDurable(p.op))) {
        await client.query("SET LOCAL synchronous_commit = off");
      }
      if (fenceState.on && group.some((p) => isFenced(p.op))) {
        if (!(await holdsLease(client, fenceState))) {
          const refused = new FencedError("this process does not hold the link's lease");
          for (const p of group) if (isFenced(p.op)) p.reject(refused);
          ops = group.filter((p) => !isFenced(p.op));
        }
      }
      if (ops.length === 0) {
        await client.query("ROLLBACK");
        return;
      }
      const results = await executeBatch(
        client,
        ops.map((p) => p.op),
        clock(),
        instance,
      );
      await client.query("COMMIT");
      try {
        options.committed(
          ops.map((p) => p.op),
          results,
        );
      } catch {
        // A watcher's failure is its own; the commit stands.
      }
      ops.forEach((p, i) => {
        p.resolve(results[i]);
      });
    } catch (err) {
      broken = isConnectionError(err);
      await client.query("ROLLBACK").catch(() => {
        broken = true;
      });
      // One bad op must not fail the others: each goes again in a commit of its own.
      split = !broken && ops.length > 1;
      if (!split) {
        const failure = storeError(err);
        for (const p of ops) p.reject(failure);
      }
    } finally {
      client.release(broken);
    }
    if (split) for (const p of ops) await commitGroup([p]);
  };

  const run = async () => {
    scheduled = false;
    if (running) return;
    running = true;
    try {
      while (queue.length > 0) {
        const group = queue;
        queue = [];
        await commitGroup(group);
      }
    } finally {
      running = false;
      settleIdle();
    }
  };

  const schedule = () => {
    if (scheduled || running) return;
    scheduled = true;
    // The rest of this turn joins the commit.
    setImmediate(() => void run());
  };

  return {
    enqueue(op) {
      if (closed) return Promise.reject(new Error("the store is closed"));
      const promise = new Promise<WriteResult>((resolve, reject) => {
        queue.push({ op, resolve, reject });
      });
      last = promise.then(
        () => {},
        () => {},
      );
      schedule();
      return promise;
    },
    barrier: () => last,
    async transaction(run) {
      await last;
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw storeError(err);
      }
      let broken = false;
      try {
        await client.query("BEGIN");
        const result = await run(client);
        await client.query("COMMIT");
        return result;
      } catch (err) {
        broken = isConnectionError(err);
        await client.query("ROLLBACK").catch(() => {
          broken = true;
        });
        throw storeError(err);
      } finally {
        client.release(broken);
      }
    },
    async close() {
      closed = true;
      if (!running && !scheduled && queue.length === 0) return;
      await new Promise<void>((resolve) => idle.push(resolve));
    },
  };
}
