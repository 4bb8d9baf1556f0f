import type pg from "pg";

/**
 * Who waits for appends to which stream (EventLog.watchEvents), woken by this process's own
 * commits at once and by the other processes' commits through a doorbell (NOTIFY xr_events)
 * or, as a safety net for lost rings, a poll: either way one query per process (the streams
 * with events after the last one seen), whatever the number of readers. With one writer of the
 * log at a time, ids commit in increasing order, so "after the last one seen" misses nothing.
 */
export interface Watchers {
  watch(stream: string, listener: () => void): () => void;
  /** This process committed these events: wake their streams now. */
  appended(events: readonly { readonly stream: string; readonly id: string }[]): void;
  /** Another process may have appended: look (coalesced, one query at a time). */
  look(): void;
  close(): void;
}

export function createWatchers(pool: pg.Pool, options: { readonly pollMs: number }): Watchers {
  const listeners = new Map<string, Set<() => void>>();
  let seen = -1n;
  let looking = false;
  let again = false;
  let closed = false;

  const wake = (stream: string) => {
    const set = listeners.get(stream);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener();
      } catch {
        // A listener's failure is its own.
      }
    }
  };

  const look = async () => {
    if (looking) {
      again = true;
      return;
    }
    looking = true;
    try {
      do {
        again = false;
        if (seen < 0n) {
          const { rows } = await pool.query<{ id: string }>(
            "SELECT coalesce(max(id), 0)::text AS id FROM events",
          );
          seen = BigInt(rows[0]?.id ?? "0");
          continue;
        }
        if (listeners.size === 0) continue;
        const { rows } = await pool.query<{ stream: string; id: string }>(
          "SELECT stream, max(id)::text AS id FROM events WHERE id > $1 GROUP BY stream",
          [String(seen)],
        );
        // Each commit wakes its streams once: by its own process's commit or by this look,
        // whichever is first (a stream's id at or below `seen` was woken already).
        const woken = rows.filter((row) => BigInt(row.id) > seen);
        for (const row of woken) {
          const id = BigInt(row.id);
          if (id > seen) seen = id;
        }
        for (const row of woken) wake(row.stream);
      } while (again && !closed);
    } catch {
      // The database is away: the next ring or poll looks again.
    } finally {
      looking = false;
    }
  };

  const timer = setInterval(() => void look(), options.pollMs);
  timer.unref();
  void look();

  return {
    watch(stream, listener) {
      let set = listeners.get(stream);
      if (!set) {
        set = new Set();
        listeners.set(stream, set);
      }
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0 && listeners.get(stream) === set) listeners.delete(stream);
      };
    },
    appended(events) {
      const streams = new Set<string>();
      const from = seen;
      for (const { stream, id } of events) {
        const n = BigInt(id);
        if (n <= from) continue;
        if (n > seen) seen = n;
        streams.add(stream);
      }
      for (const stream of streams) wake(stream);
    },
    look: () => void look(),
    close() {
      closed = true;
      clearInterval(timer);
    },
  };
}
