import type pg from "pg";
import type {
  ContactRecord,
  ContactStore,
  ConversationRecord,
  SubscriptionRequestRecord,
} from "../contacts.js";
import { read, readOne } from "./query.js";
import type { PgWriter } from "./writer.js";

interface RequestRow {
  jid: string;
  time: string;
  status: string | null;
}

/**
 * Accounts' rosters, subscription requests and conversations (migration 5, as SQLite's 8).
 * A conversation moves with every message: it joins the turn's commit as progress (./batch.ts);
 * roster and request changes are rare, each a transaction of its own.
 */
export function createPgContacts(pool: pg.Pool, writer: PgWriter): ContactStore {
  const putContact = (client: pg.ClientBase, owner: string, contact: ContactRecord) =>
    client.query(
      `INSERT INTO account_contacts (owner, jid, contact) VALUES ($1, $2, $3)
       ON CONFLICT (owner, jid) DO UPDATE SET contact = excluded.contact`,
      [owner, contact.jid, JSON.stringify(contact)],
    );
  const putVersion = (client: pg.ClientBase, owner: string, version: string | undefined) =>
    client.query(
      `INSERT INTO account_rosters (owner, version) VALUES ($1, $2)
       ON CONFLICT (owner) DO UPDATE SET version = excluded.version`,
      [owner, version ?? null],
    );

  return {
    async getRoster(owner) {
      await writer.barrier();
      const [version, contacts] = await Promise.all([
        readOne<{ version: string | null }>(
          pool,
          "SELECT version FROM account_rosters WHERE owner = $1",
          [owner],
        ),
        read<{ contact: string }>(
          pool,
          "SELECT contact FROM account_contacts WHERE owner = $1 ORDER BY jid",
          [owner],
        ),
      ]);
      return {
        version: version?.version ?? undefined,
        contacts: contacts.map((row) => JSON.parse(row.contact) as ContactRecord),
      };
    },
    replaceRoster: (owner, roster) =>
      writer.transaction(async (client) => {
        await client.query("DELETE FROM account_contacts WHERE owner = $1", [owner]);
        for (const contact of roster.contacts) await putContact(client, owner, contact);
        await putVersion(client, owner, roster.version);
      }),
    updateRoster: (owner, version, change) =>
      writer.transaction(async (client) => {
        if ("remove" in change) {
          await client.query("DELETE FROM account_contacts WHERE owner = $1 AND jid = $2", [
            owner,
            change.remove,
          ]);
        } else {
          await putContact(client, owner, change.contact);
        }
        await putVersion(client, owner, version);
      }),
    async listSubscriptionRequests(owner) {
      await writer.barrier();
      const rows = await read<RequestRow>(
        pool,
        `SELECT jid, time::text AS time, status FROM account_subscription_requests
         WHERE owner = $1 ORDER BY time, jid`,
        [owner],
      );
      return rows.map(
        (row): SubscriptionRequestRecord => ({
          jid: row.jid,
          time: Number(row.time),
          ...(row.status === null ? {} : { status: row.status }),
        }),
      );
    },
    putSubscriptionRequest: (owner, request) =>
      writer.transaction(async (client) => {
        await client.query(
          `INSERT INTO account_subscription_requests (owner, jid, time, status)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (owner, jid) DO UPDATE SET time = excluded.time, status = excluded.status`,
          [owner, request.jid, request.time, request.status ?? null],
        );
      }),
    deleteSubscriptionRequest: (owner, jid) =>
      writer.transaction(async (client) => {
        await client.query(
          "DELETE FROM account_subscription_requests WHERE owner = $1 AND jid = $2",
          [owner, jid],
        );
      }),
    async listConversations(owner) {
      await writer.barrier();
      const rows = await read<{ conversation: string }>(
        pool,
        "SELECT conversation FROM account_conversations WHERE owner = $1",
        [owner],
      );
      return rows.map((row) => JSON.parse(row.conversation) as ConversationRecord);
    },
    putConversation: async (owner, conversation) => {
      await writer.enqueue({ kind: "conversation", owner, conversation });
    },
  };
}
