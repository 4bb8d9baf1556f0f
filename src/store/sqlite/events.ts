import type Database from "better-sqlite3";
import type { StanzaKind } from "../../stanza/kinds.js";
import type { AppendedEvent, EventLog } from "../events.js";
import type { SqliteClaims } from "./claims.js";
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
  claims: SqliteClaims,
  now: () => number,
): EventLog {
  const watchers = new Map<string, Set<() => void>>();

  const insertEvent = db.prepare<[string, number, string, string]>(
    "INSERT INTO events (stream, time, kind, stanza) VALUES (?, ?, ?, ?)",
  );
  const insertDelivery = db.prepare<[number, string, string, number, number, string | null]>(
    `INSERT INTO deliveries (event_id, stream, conversation, state, next_attempt_at, updated_at, claimant)
     VALUES (?, ?, ?, 'pending', ?, ?, ?)`,
  );
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
          const { conversation } = event;
          if (conversation === undefined) return { id: String(id), time, claimed: false };
          const claimant =
            claim && claims.mayTakeNew(event.stream, conversation, claim.claimant)
              ? claim.claimant
              : null;
          insertDelivery.run(id, event.stream, conversation, time, time, claimant);
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
