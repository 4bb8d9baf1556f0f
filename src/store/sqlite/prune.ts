import type Database from "better-sqlite3";

/**
 * Store.prune for SQLite: finished deliveries with their events first, then logged events no
 * delivery waits for, history and room messages, all older than the cut-off, `batch` rows at
 * most in one transaction (small, so an append's commit never waits long).
 */
export function createSqlitePruner(
  db: Database.Database,
): (before: number, batch: number) => number {
  const finished = db.prepare<[number, number], { event_id: number }>(
    `SELECT event_id FROM deliveries WHERE state <> 'pending' AND updated_at < ?
     ORDER BY updated_at LIMIT ?`,
  );
  const deleteDelivery = db.prepare<[number]>("DELETE FROM deliveries WHERE event_id = ?");
  const deleteEvent = db.prepare<[number]>("DELETE FROM events WHERE id = ?");
  // events_logged_by_time leaves the global stream out: its events all have deliveries.
  const oldEvents = db.prepare<[number, number]>(
    `DELETE FROM events WHERE id IN (
       SELECT id FROM events e WHERE e.stream <> 'global' AND e.time < ?
       AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id)
       ORDER BY e.time LIMIT ?)`,
  );
  const oldHistory = db.prepare<[number, number]>(
    "DELETE FROM history WHERE id IN (SELECT id FROM history WHERE time < ? ORDER BY time LIMIT ?)",
  );
  const oldRoomMessages = db.prepare<[number, number]>(
    `DELETE FROM room_messages WHERE id IN
       (SELECT id FROM room_messages WHERE time < ? ORDER BY time LIMIT ?)`,
  );

  return db.transaction((before: number, batch: number): number => {
    const rows = finished.all(before, batch);
    for (const { event_id } of rows) {
      deleteDelivery.run(event_id);
      deleteEvent.run(event_id);
    }
    let removed = rows.length;
    for (const statement of [oldEvents, oldHistory, oldRoomMessages]) {
      if (removed >= batch) break;
      removed += statement.run(before, batch - removed).changes;
    }
    return removed;
  });
}
