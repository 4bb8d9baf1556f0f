import type pg from "pg";

/**
 * Store.prune for PostgreSQL: finished deliveries with their events first, then logged events
 * no delivery waits for, history and room messages, all older than the cut-off, `batch` rows
 * at most per transaction (small: nothing else waits long on its locks). Answered iqs nobody
 * collected, past their deadline, go too.
 */
export async function prune(client: pg.ClientBase, before: number, batch: number): Promise<number> {
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
  // Not counted: iq answers left behind by a waiter that went away.
  await client.query(
    "DELETE FROM outbox WHERE state = 'answered' AND deadline IS NOT NULL AND deadline < $1",
    [before],
  );
  return removed;
}
