import type pg from "pg";
import type { FoundHistoryMessage, HistoryEntry, HistoryPage, HistoryStore } from "../history.js";
import { keysetPager } from "./keyset-page.js";
import { HISTORY_COLUMNS, type HistoryRow, toHistoryEntry } from "./message-rows.js";
import { readOne } from "./query.js";
import type { PgWriter } from "./writer.js";

/** One-to-one history in the PostgreSQL store. */
export function createPgHistory(pool: pg.Pool, writer: PgWriter): HistoryStore {
  const pageAll = keysetPager<HistoryRow>(pool, {
    table: "history",
    columns: HISTORY_COLUMNS,
    scope: "owner = $1",
    scopeArgs: 1,
  });
  const pageWith = keysetPager<HistoryRow>(pool, {
    table: "history",
    columns: HISTORY_COLUMNS,
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
      return { entries: rows.map(toHistoryEntry), hasOlder, hasNewer };
    },
    async findHistoryMessage(owner, messageId): Promise<FoundHistoryMessage | undefined> {
      await writer.barrier();
      // `message_id <> ''` lets PostgreSQL use the partial index.
      const row = await readOne<HistoryRow & { peer: string }>(
        pool,
        `SELECT ${HISTORY_COLUMNS}, peer FROM history
         WHERE owner = $1 AND message_id = $2 AND message_id <> '' ORDER BY id DESC LIMIT 1`,
        [owner, messageId],
      );
      return row && { ...toHistoryEntry(row), peer: row.peer };
    },
    amendHistory: (owner, target, change) =>
      writer.enqueue({ kind: "amend-history", owner, target, change }) as Promise<boolean>,
  };
}
