import type Database from "better-sqlite3";
import type { HistoryEntry, HistoryPage, HistoryQuery, HistoryStore } from "../history.js";
import { keysetPager } from "./keyset-page.js";
import type { Writer } from "./writer.js";

interface HistoryRow {
  id: number;
  direction: "in" | "out";
  sender: string;
  recipient: string;
  type: string;
  body: string;
  stanza: string;
  time: number;
}

const HISTORY_COLUMNS = "id, direction, sender, recipient, type, body, stanza, time";

const toEntry = (row: HistoryRow): HistoryEntry => ({
  id: String(row.id),
  direction: row.direction,
  from: row.sender,
  to: row.recipient,
  type: row.type,
  body: row.body,
  stanza: row.stanza,
  time: row.time,
});

/** One-to-one history in the SQLite store (table of migration 2, keyed by owner since 4). */
export function createSqliteHistory(db: Database.Database, writer: Writer): HistoryStore {
  const insert = db.prepare<
    [string, string, string, string, string, string, string, string, number]
  >(
    `INSERT INTO history (owner, direction, peer, sender, recipient, type, body, stanza, time)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const history = { table: "history", columns: HISTORY_COLUMNS };
  const pageAll = keysetPager<HistoryRow>(db, { ...history, scope: "owner = ?" });
  const pageWith = keysetPager<HistoryRow>(db, { ...history, scope: "owner = ? AND peer = ?" });
  const page = (owner: string, q: HistoryQuery): HistoryPage => {
    const { rows, hasOlder, hasNewer } =
      q.with === undefined ? pageAll([owner], q) : pageWith([owner, q.with], q);
    return { entries: rows.map(toEntry), hasOlder, hasNewer };
  };

  return {
    appendHistory: (input) =>
      writer.batched((): HistoryEntry => {
        const id = insert.run(
          input.owner,
          input.direction,
          input.peer,
          input.from,
          input.to,
          input.type,
          input.body,
          input.stanza,
          input.time,
        ).lastInsertRowid;
        const { owner: _owner, peer: _peer, ...shown } = input;
        return { ...shown, id: String(id) };
      }, true),
    pageHistory: (owner, query) => writer.read(() => page(owner, query)),
  };
}
