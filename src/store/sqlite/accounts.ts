import type Database from "better-sqlite3";
import type { AccountRecord, AccountStore } from "../accounts.js";
import type { BotWebhook } from "../bots.js";
import { forgetOwner } from "./forget.js";
import type { Writer } from "./writer.js";

interface AccountRow {
  jid: string;
  credentials: string;
  settings: string;
  webhook: string | null;
  token_hashes: string;
  last_archive_id: string | null;
  created_at: number;
  updated_at: number;
}

const toRecord = (row: AccountRow): AccountRecord => ({
  jid: row.jid,
  credentials: row.credentials,
  settings: row.settings,
  webhook: row.webhook === null ? undefined : (JSON.parse(row.webhook) as BotWebhook),
  tokenHashes: JSON.parse(row.token_hashes) as string[],
  ...(row.last_archive_id === null ? {} : { lastArchiveId: row.last_archive_id }),
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** The accounts table, and forgetting a deleted account's owner data with it. */
export function createSqliteAccounts(db: Database.Database, writer: Writer): AccountStore {
  const all = db.prepare<[], AccountRow>("SELECT * FROM accounts ORDER BY jid");
  const one = db.prepare<[string], AccountRow>("SELECT * FROM accounts WHERE jid = ?");
  const upsert = db.prepare<
    [string, string, string, string | null, string, string | null, number, number]
  >(
    `INSERT INTO accounts (jid, credentials, settings, webhook, token_hashes, last_archive_id,
       created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (jid) DO UPDATE SET credentials = excluded.credentials,
       settings = excluded.settings, webhook = excluded.webhook,
       token_hashes = excluded.token_hashes,
       last_archive_id = COALESCE(excluded.last_archive_id, accounts.last_archive_id),
       updated_at = excluded.updated_at`,
  );
  const credentials = db.prepare<[string, string]>(
    "UPDATE accounts SET credentials = ? WHERE jid = ?",
  );
  const archiveId = db.prepare<[string, string]>(
    "UPDATE accounts SET last_archive_id = ? WHERE jid = ?",
  );
  const remove = db.prepare<[string]>("DELETE FROM accounts WHERE jid = ?");
  const forget = forgetOwner(db);
  const deleteAll = db.transaction((jid: string, owner: string) => {
    const existed = remove.run(jid).changes > 0;
    forget(owner);
    return existed;
  });

  return {
    listAccounts: () => writer.read(() => all.all().map(toRecord)),
    getAccount: (jid) =>
      writer.read(() => {
        const row = one.get(jid);
        return row && toRecord(row);
      }),
    putAccount: (a) =>
      writer.write(() => {
        upsert.run(
          a.jid,
          a.credentials,
          a.settings,
          a.webhook ? JSON.stringify(a.webhook) : null,
          JSON.stringify(a.tokenHashes),
          a.lastArchiveId ?? null,
          a.createdAt,
          a.updatedAt,
        );
      }),
    setAccountCredentials: (jid, sealed) =>
      writer.write(() => {
        credentials.run(sealed, jid);
      }),
    setAccountArchiveId: (jid, id) =>
      writer.write(() => {
        archiveId.run(id, jid);
      }),
    deleteAccount: (jid, owner) => writer.write(() => deleteAll(jid, owner)),
  };
}
