import type Database from "better-sqlite3";
import type {
  ContactRecord,
  ContactStore,
  ConversationRecord,
  SubscriptionRequestRecord,
} from "../contacts.js";
import type { Writer } from "./writer.js";

interface RequestRow {
  jid: string;
  time: number;
  status: string | null;
}

/**
 * Accounts' rosters, subscription requests and conversations (migration 8). Their writes join
 * the turn's commit as progress (no sync of their own): a conversation moves with every
 * message, and a commit each would undo the store's batching; what a power cut could lose
 * the next roster fetch, request or message brings back.
 */
export function createSqliteContacts(db: Database.Database, writer: Writer): ContactStore {
  const contacts = db.prepare<[string], { contact: string }>(
    "SELECT contact FROM account_contacts WHERE owner = ? ORDER BY jid",
  );
  const version = db.prepare<[string], { version: string | null }>(
    "SELECT version FROM account_rosters WHERE owner = ?",
  );
  const putVersion = db.prepare<[string, string | null]>(
    `INSERT INTO account_rosters (owner, version) VALUES (?, ?)
     ON CONFLICT (owner) DO UPDATE SET version = excluded.version`,
  );
  const putContact = db.prepare<[string, string, string]>(
    `INSERT INTO account_contacts (owner, jid, contact) VALUES (?, ?, ?)
     ON CONFLICT (owner, jid) DO UPDATE SET contact = excluded.contact`,
  );
  const removeContact = db.prepare<[string, string]>(
    "DELETE FROM account_contacts WHERE owner = ? AND jid = ?",
  );
  const clearContacts = db.prepare<[string]>("DELETE FROM account_contacts WHERE owner = ?");
  const requests = db.prepare<[string], RequestRow>(
    "SELECT jid, time, status FROM account_subscription_requests WHERE owner = ? ORDER BY time, jid",
  );
  const putRequest = db.prepare<[string, string, number, string | null]>(
    `INSERT INTO account_subscription_requests (owner, jid, time, status) VALUES (?, ?, ?, ?)
     ON CONFLICT (owner, jid) DO UPDATE SET time = excluded.time, status = excluded.status`,
  );
  const removeRequest = db.prepare<[string, string]>(
    "DELETE FROM account_subscription_requests WHERE owner = ? AND jid = ?",
  );
  const conversations = db.prepare<[string], { conversation: string }>(
    "SELECT conversation FROM account_conversations WHERE owner = ?",
  );
  const putConversation = db.prepare<[string, string, number, string]>(
    `INSERT INTO account_conversations (owner, peer, last_time, conversation) VALUES (?, ?, ?, ?)
     ON CONFLICT (owner, peer) DO UPDATE SET last_time = excluded.last_time,
       conversation = excluded.conversation`,
  );
  const replaceAll = db.transaction(
    (owner: string, rosterVersion: string | null, all: readonly ContactRecord[]) => {
      clearContacts.run(owner);
      for (const contact of all) putContact.run(owner, contact.jid, JSON.stringify(contact));
      putVersion.run(owner, rosterVersion);
    },
  );

  return {
    getRoster: (owner) =>
      writer.read(() => ({
        version: version.get(owner)?.version ?? undefined,
        contacts: contacts.all(owner).map((row) => JSON.parse(row.contact) as ContactRecord),
      })),
    replaceRoster: (owner, roster) =>
      writer.batched(() => {
        replaceAll(owner, roster.version ?? null, roster.contacts);
      }, false),
    updateRoster: (owner, rosterVersion, change) =>
      writer.batched(() => {
        if ("remove" in change) removeContact.run(owner, change.remove);
        else putContact.run(owner, change.contact.jid, JSON.stringify(change.contact));
        putVersion.run(owner, rosterVersion ?? null);
      }, false),
    listSubscriptionRequests: (owner) =>
      writer.read(() =>
        requests.all(owner).map(
          (row): SubscriptionRequestRecord => ({
            jid: row.jid,
            time: row.time,
            ...(row.status === null ? {} : { status: row.status }),
          }),
        ),
      ),
    putSubscriptionRequest: (owner, request) =>
      writer.batched(() => {
        putRequest.run(owner, request.jid, request.time, request.status ?? null);
      }, false),
    deleteSubscriptionRequest: (owner, jid) =>
      writer.batched(() => {
        removeRequest.run(owner, jid);
      }, false),
    listConversations: (owner) =>
      writer.read(() =>
        conversations.all(owner).map((row) => JSON.parse(row.conversation) as ConversationRecord),
      ),
    putConversation: (owner, conversation) =>
      writer.batched(() => {
        putConversation.run(
          owner,
          conversation.with,
          conversation.last.time,
          JSON.stringify(conversation),
        );
      }, false),
  };
}
