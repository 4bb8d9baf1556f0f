import type pg from "pg";

/**
 * Forgets what an owner id has in the store, inside the caller's transaction: its stream's
 * events (but those a webhook delivery still waits for), its position, history, rooms, room
 * messages, commands, and an account's contacts, requests and conversations. A deleted bot
 * and a deleted account go the same way.
 */
export async function forgetOwner(client: pg.ClientBase, owner: string): Promise<void> {
  await client.query(
    `DELETE FROM events e WHERE e.stream = $1 AND NOT EXISTS
       (SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND d.state = 'pending')`,
    [owner],
  );
  for (const table of [
    "stream_positions WHERE stream",
    "history WHERE owner",
    "rooms WHERE owner",
    "room_messages WHERE owner",
    "commands WHERE owner",
    "account_contacts WHERE owner",
    "account_rosters WHERE owner",
    "account_subscription_requests WHERE owner",
    "account_conversations WHERE owner",
  ]) {
    await client.query(`DELETE FROM ${table} = $1`, [owner]);
  }
}
