import type pg from "pg";
import { SESSION_ALIVE } from "./session.js";

/** A dead process's claimants and registration are forgotten this long after their lease ended. */
const FORGET_DEAD_MS = 3_600_000;

/**
 * Store.prune for PostgreSQL: finished deliveries with their events first, then logged events
 * no delivery waits for, history and room messages, all older than the cut-off, `batch` rows
 * at most per transaction (small: nothing else waits long on its locks). Answered iqs nobody
 * collected, past their deadline, go too, and so do what processes that died (kill -9, a
 * crash) left in the claimants and instances tables, an hour after: those would otherwise
 * grow with every such death.
 */
export async function prune(
  client: pg.ClientBase,
  before: number,
  batch: number,
  now: number,
): Promise<number> {
  const finished = await client.query(
    `WITH gone AS (
       DELETE FROM deliveries WHERE event_id IN (
         SELECT event_id FROM deliveries WHERE state <> 'pending' AND updated_at < $1
         ORDER BY updated_at LIMIT $2)
       RETURNING event_id)
     DELETE FROM events WHERE id IN (SELECT event_id FROM gone)`,
    [before, batch],
  );
  let removed = finished.rowCount ?? 0;
  const statements = [
    `DELETE FROM events WHERE id IN (
       SELECT id FROM events e WHERE e.stream <> 'global' AND e.time < $1
       AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id)
       ORDER BY e.time LIMIT $2)`,
    "DELETE FROM history WHERE id IN (SELECT id FROM history WHERE time < $1 ORDER BY time LIMIT $2)",
    `DELETE FROM room_messages WHERE id IN
       (SELECT id FROM room_messages WHERE time < $1 ORDER BY time LIMIT $2)`,
  ];
  for (const sql of statements) {
    if (removed >= batch) break;
    removed += (await client.query(sql, [before, batch - removed])).rowCount ?? 0;
  }
  // Not counted: iq answers left behind by a waiter that went away, the dead's leftovers.
  await client.query(
    "DELETE FROM outbox WHERE state = 'answered' AND deadline IS NOT NULL AND deadline < $1",
    [before],
  );
  await client.query(
    `WITH dead AS (
       DELETE FROM claimants c WHERE c.lease_until < $1
         AND (c.instance_lock IS NULL OR NOT ${SESSION_ALIVE.replace("$LOCK", "c.instance_lock")})
       RETURNING claimant)
     UPDATE deliveries SET claimant = NULL
     WHERE state = 'pending' AND claimant IN (SELECT claimant FROM dead)`,
    [now - FORGET_DEAD_MS],
  );
  await client.query(
    `DELETE FROM instances i WHERE i.started_at < $1
       AND NOT ${SESSION_ALIVE.replace("$LOCK", "i.lock")}`,
    [now - FORGET_DEAD_MS],
  );
  return removed;
}
