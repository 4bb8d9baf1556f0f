import type Database from "better-sqlite3";

/**
 * Forgets what an owner id has in the store, inside the caller's transaction: its stream's
 * events (but those a webhook delivery still waits for), its position, history, rooms, room
 * messages, commands, and an account's contacts, requests and conversations. A deleted bot
 * and a deleted account go the same way.
 */
export function forgetOwner(db: Database.Database): (owner: string) => void {
  const statements = [
    `DELETE FROM events WHERE stream = ?
     AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = events.id AND d.state = 'pending')`,
    "DELETE FROM stream_positions WHERE stream = ?",
    "DELETE FROM history WHERE owner = ?",
    "DELETE FROM rooms WHERE owner = ?",
    "DELETE FROM room_messages WHERE owner = ?",
    "DELETE FROM commands WHERE owner = ?",
    "DELETE FROM account_contacts WHERE owner = ?",
    "DELETE FROM account_rosters WHERE owner = ?",
    "DELETE FROM account_subscription_requests WHERE owner = ?",
    "DELETE FROM account_conversations WHERE owner = ?",
  ].map((sql) => db.prepare<[string]>(sql));
  return (owner) => {
    for (const statement of statements) statement.run(owner);
  };
}
