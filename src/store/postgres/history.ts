import type pg from "pg";
import type { HistoryEntry, HistoryPage, HistoryStore } from "../history.js";
import { keysetPager } from "./keyset-page.js";
import type { PgWriter } from "./writer.js";

interface HistoryRow {
  id: string;
  direction: "in" | "out";
  sender: string;
  recipient: string;
  type: string;
  body: string;
  stanza: string;
  time: string;
}

const COLUMNS =
  "id::text AS id, direction, sender, recipient, type, body, stanza, time::text AS time";

const toEntry = (row: HistoryRow): HistoryEntry => ({
  id: row.id,
  direction: row.direction,
  from: row.sender,
  to: row.recipient,
  type: row.type,
  body: row.body,
  stanza: row.stanza,
  time: Number(row.time),
});

/** One-to-one history in the PostgreSQL store. */
export function createPgHistory(pool: pg.Pool, writer: PgWriter): HistoryStore {
  const pageAll = keysetPager<HistoryRow>(pool, {
    table: "history",
    columns: COLUMNS,
    scope: "owner = $1",
    scopeArgs: 1,
  });
  const pageWith = keysetPager<HistoryRow>(pool, {
    table: "history",
    columns: COLUMNS,
    scope: "owner = $1 AND peer = $2",
    scopeArgs: 2,
  });
  return {
    appendHistory: (input) => writer.enqueue({ kind: "history", input }) as Promise<HistoryEntry>,
    async pageHistory(owner, query): Promise<HistoryPage> {
      await writer.barrier();
      const { rows, hasOlder, hasNewer } =
        query.with === undefined
          ? await pageAll([owner], query)
          : await pageWith([owner, query.with], query);
      return { entries: rows.map(toEntry), hasOlder, hasNewer };
    },
  };
}
