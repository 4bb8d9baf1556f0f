import type pg from "pg";
import type { StanzaKind } from "../../stanza/kinds.js";
import type { AppendedEvent, EventLog, StoredEvent } from "../events.js";
import { read, readOne } from "./query.js";
import type { Watchers } from "./watchers.js";
import type { PgWriter } from "./writer.js";

interface EventRow {
  id: string;
  stream: string;
  time: string;
  kind: StanzaKind;
  stanza: string;
}

const toEvent = (row: EventRow): StoredEvent => ({
  id: row.id,
  stream: row.stream,
  time: Number(row.time),
  kind: row.kind,
  stanza: row.stanza,
});

/**
 * The event log of the PostgreSQL store: appends join the writer's next commit (./batch.ts);
 * reads wait for the writes asked for before them (the contract), then read the pool.
 */
export function createPgEventLog(pool: pg.Pool, writer: PgWriter, watchers: Watchers): EventLog {
  return {
    append: (event, claim) =>
      writer.enqueue({ kind: "append", event, claim }) as Promise<AppendedEvent>,
    async readEvents(stream, after, limit) {
      await writer.barrier();
      const rows = await read<EventRow>(
        pool,
        `SELECT id::text, stream, time::text, kind, stanza FROM events
         WHERE stream = $1 AND id > $2 ORDER BY events.id LIMIT $3`,
        [stream, after, limit],
      );
      return rows.map(toEvent);
    },
    async lastEventId(stream) {
      await writer.barrier();
      const row = await readOne<{ id: string }>(
        pool,
        "SELECT coalesce(max(id), 0)::text AS id FROM events WHERE stream = $1",
        [stream],
      );
      return row?.id ?? "0";
    },
    watchEvents: (stream, listener) => watchers.watch(stream, listener),
    async ackedEventId(stream) {
      await writer.barrier();
      const row = await readOne<{ acked: string }>(
        pool,
        "SELECT acked::text FROM stream_positions WHERE stream = $1",
        [stream],
      );
      return row?.acked ?? "0";
    },
    acknowledge: async (stream, id) => {
      await writer.enqueue({ kind: "ack", stream, id });
    },
  };
}
