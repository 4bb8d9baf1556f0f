import type Database from "better-sqlite3";
import type {
  FoundHistoryMessage,
  HistoryEntry,
  HistoryPage,
  HistoryQuery,
  HistoryStore,
} from "../history.js";
import { keysetPager } from "./keyset-page.js";
import { changeArgs } from "./message-change.js";
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
  message_id: string;
  edited_at: number | null;
  deleted_at: number | null;
}

const HISTORY_COLUMNS =
  "id, direction, sender, recipient, type, body, stanza, time, message_id, edited_at, deleted_at";

const toEntry = (row: HistoryRow): HistoryEntry => ({
  id: String(row.id),
  direction: row.direction,
  from: row.sender,
  to: row.recipient,
  type: row.type,
  body: row.body,
  stanza: row.stanza,
  time: row.time,
  ...(row.message_id === "" ? {} : { messageId: row.message_id }),
  ...(row.edited_at === null ? {} : { editedAt: row.edited_at }),
  ...(row.deleted_at === null ? {} : { deletedAt: row.deleted_at }),
});

/** One-to-one history in the SQLite store (table of migration 2, by owner since 4, ids since 5). */
export function createSqliteHistory(db: Database.Database, writer: Writer): HistoryStore {
  const insert = db.prepare<
    [string, string, string, string, string, string, string, string, number, string]
  >(
    `INSERT INTO history (owner, direction, peer, sender, recipient, type, body, stanza, time, message_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  // `message_id <> ''` lets SQLite use the partial index.
  const byMessage = db.prepare<[string, string], HistoryRow & { peer: string }>(
    `SELECT ${HISTORY_COLUMNS}, peer FROM history
     WHERE owner = ? AND message_id = ? AND message_id <> '' ORDER BY id DESC LIMIT 1`,
  );
  const amend = db.prepare<
    [string | null, number | null, number | null, string, string, string, string]
  >(
    `UPDATE history SET body = coalesce(?, body), edited_at = coalesce(?, edited_at),
       deleted_at = coalesce(?, deleted_at)
     WHERE owner = ? AND message_id = ? AND message_id <> '' AND direction = ? AND peer = ?
       AND deleted_at IS NULL`,
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
          input.messageId ?? "",
        ).lastInsertRowid;
        const { owner: _owner, peer: _peer, messageId, ...shown } = input;
        return { ...shown, id: String(id), ...(messageId ? { messageId } : {}) };
      }, true),
    pageHistory: (owner, query) => writer.read(() => page(owner, query)),
    findHistoryMessage: (owner, messageId) =>
      writer.read((): FoundHistoryMessage | undefined => {
        const row = byMessage.get(owner, messageId);
        return row && { ...toEntry(row), peer: row.peer };
      }),
    amendHistory: (owner, target, change) =>
      writer.batched(
        () =>
          amend.run(...changeArgs(change), owner, target.messageId, target.direction, target.peer)
            .changes > 0,
        true,
      ),
  };
}
