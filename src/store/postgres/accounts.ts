import type pg from "pg";
import type { AccountRecord, AccountStore } from "../accounts.js";
import type { BotWebhook } from "../bots.js";
import { forgetOwner } from "./forget.js";
import { read, readOne } from "./query.js";
import type { PgWriter } from "./writer.js";

interface AccountRow {
  jid: string;
  credentials: string;
  settings: string;
  webhook: string | null;
  token_hashes: string;
  last_archive_id: string | null;
  created_at: string;
  updated_at: string;
}

const toRecord = (row: AccountRow): AccountRecord => ({
  jid: row.jid,
  credentials: row.credentials,
  settings: row.settings,
  webhook: row.webhook === null ? undefined : (JSON.parse(row.webhook) as BotWebhook),
  tokenHashes: JSON.parse(row.token_hashes) as string[],
  ...(row.last_archive_id === null ? {} : { lastArchiveId: row.last_archive_id }),
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
});

/** The accounts table (migration 4), and forgetting a deleted account's owner data with it. */
export function createPgAccounts(pool: pg.Pool, writer: PgWriter): AccountStore {
  return {
    async listAccounts() {
      await writer.barrier();
      return (await read<AccountRow>(pool, "SELECT * FROM accounts ORDER BY jid")).map(toRecord);
    },
    async getAccount(jid) {
      await writer.barrier();
      const row = await readOne<AccountRow>(pool, "SELECT * FROM accounts WHERE jid = $1", [jid]);
      return row && toRecord(row);
    },
    putAccount: (a) =>
      writer.transaction(async (client) => {
        await client.query(
          `INSERT INTO accounts (jid, credentials, settings, webhook, token_hashes,
             last_archive_id, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (jid) DO UPDATE SET credentials = excluded.credentials,
             settings = excluded.settings, webhook = excluded.webhook,
             token_hashes = excluded.token_hashes,
             last_archive_id = coalesce(excluded.last_archive_id, accounts.last_archive_id),
             updated_at = excluded.updated_at`,
          [
            a.jid,
            a.credentials,
            a.settings,
            a.webhook ? JSON.stringify(a.webhook) : null,
            JSON.stringify(a.tokenHashes),
            a.lastArchiveId ?? null,
            a.createdAt,
            a.updatedAt,
          ],
        );
      }),
    setAccountCredentials: (jid, sealed) =>
      writer.transaction(async (client) => {
        await client.query("UPDATE accounts SET credentials = $1 WHERE jid = $2", [sealed, jid]);
      }),
    // One per message delivered: joins the turn's commit.
    setAccountArchiveId: async (jid, archiveId) => {
      await writer.enqueue({ kind: "archive-id", jid, archiveId });
    },
    deleteAccount: (jid, owner) =>
      writer.transaction(async (client) => {
        const { rowCount } = await client.query("DELETE FROM accounts WHERE jid = $1", [jid]);
        await forgetOwner(client, owner);
        return (rowCount ?? 0) > 0;
      }),
  };
}
