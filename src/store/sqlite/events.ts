import type Database from "better-sqlite3";
import type { StanzaKind } from "../../stanza/kinds.js";
import type { AppendedEvent, EventLog } from "../events.js";
import type { HeadCache } from "./heads.js";
import type { Writer } from "./writer.js";

interface EventRow {
  id: number;
  stream: string;
  time: number;
  kind: StanzaKind;
  stanza: string;
}

/**
 * The event log of the SQLite store: `events` rows by stream, their deliveries, and the
 * streams' acknowledged positions. Watchers are in-process: one process holds the file.
 */
export function createSqliteEventLog(
  db: Database.Database,
  writer: Writer,
  heads: HeadCache,
  now: () => number,
): EventLog {
  const watchers = new Map<string, Set<() => void>>();

  const insertEvent = db.prepare<[string, number, string, string]>(
    "INSERT INTO events (stream, time, kind, stanza) VALUES (?, ?, ?, ?)",
  );
  const insertDelivery = db.prepare<[number, string, number, number, string | null]>(
    `INSERT INTO deliveries (event_id, conversation, state, next_attempt_at, updated_at, claimant)
     VALUES (?, ?, 'pending', ?, ?, ?)`,
  );
  // The claimant of a conversation's head (its oldest pending row), when it has one.
  const headOf = db
    .prepare<[string, string], string | null>(
      `SELECT d.claimant FROM deliveries d CROSS JOIN events e ON e.id = d.event_id
       WHERE d.state = 'pending' AND d.conversation = ? AND e.stream = ?
       ORDER BY d.event_id LIMIT 1`,
    )
    .pluck();
  const eventsAfter = db.prepare<[string, number, number], EventRow>(
    "SELECT id, stream, time, kind, stanza FROM events WHERE stream = ? AND id > ? ORDER BY id LIMIT ?",
  );
  const lastEvent = db.prepare<[string], { id: number | null }>(
    "SELECT max(id) AS id FROM events WHERE stream = ?",
  );
  const acked = db.prepare<[string], { acked: number }>(
    "SELECT acked FROM stream_positions WHERE stream = ?",
  );
  const ack = db.prepare<[string, number]>(
    `INSERT INTO stream_positions (stream, acked) VALUES (?, ?)
     ON CONFLICT (stream) DO UPDATE SET acked = max(acked, excluded.acked)`,
  );

  const wake = (stream: string) => {
    const listeners = watchers.get(stream);
    if (listeners) for (const listener of [...listeners]) listener();
  };

  return {
    append(event, claim) {
      const time = now();
      return writer.batched(
        (): AppendedEvent => {
          const id = Number(
            insertEvent.run(event.stream, time, event.kind, event.stanza).lastInsertRowid,
          );
          const { stream, conversation } = event;
          if (conversation === undefined) return { id: String(id), time, claimed: false };
          // Claimed at once unless the conversation's head is another's or nobody's: then the
          // new row waits behind it (DeliveryStore.claimDeliveries).
          const key = heads.key(stream, conversation);
          let claimant: string | null = null;
          if (claim) {
            if (heads.holds(key, claim.claimant)) claimant = claim.claimant;
            else {
              const head = headOf.get(conversation, stream);
              if (head === undefined || head === claim.claimant) {
                claimant = claim.claimant;
                heads.set(key, claimant);
              }
            }
          }
          // A row that is not the holder's joins the conversation.
          if (claimant === null) heads.forget(key);
          insertDelivery.run(id, conversation, time, time, claimant);
          return { id: String(id), time, claimed: claimant !== null };
        },
        true,
        () => wake(event.stream),
      );
    },
    readEvents: (stream, after, limit) =>
      writer.read(() =>
        eventsAfter
          .all(stream, Number(after), limit)
          .map((row) => ({ ...row, id: String(row.id) })),
      ),
    lastEventId: (stream) => writer.read(() => String(lastEvent.get(stream)?.id ?? 0)),
    watchEvents(stream, listener) {
      let set = watchers.get(stream);
      if (!set) {
        set = new Set();
        watchers.set(stream, set);
      }
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) watchers.delete(stream);
      };
    },
    ackedEventId: (stream) => writer.read(() => String(acked.get(stream)?.acked ?? 0)),
    acknowledge: (stream, id) => writer.batched(() => void ack.run(stream, Number(id)), false),
  };
}
