import { randomBytes } from "node:crypto";
import type pg from "pg";
import { StoreOpenError } from "../errors.js";

/**
 * The PostgreSQL schema, one numbered step at a time, as for SQLite (../sqlite/migrations.ts):
 * a store records the last step applied (meta 'schema-version'); start-up applies the missing
 * ones in one transaction, under an advisory lock so that processes starting together migrate
 * once, and refuses a database written by a newer version. Later features add steps here,
 * never edit an applied one. Times are ms since the epoch (bigint), as in the contract.
 */
export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "the store contract's tables, leases, the outbox",
    sql: `
      CREATE TABLE meta (
        key text PRIMARY KEY,
        value text NOT NULL
      );

      -- The database's clock in ms: times default to it, so hosts' clocks do not matter.
      CREATE FUNCTION xr_now_ms() RETURNS bigint LANGUAGE sql VOLATILE AS
        $$ SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint $$;

      -- Append-only log of inbound stanzas. Ids come from the sequence and are written by one
      -- process at a time (the link holder, its commits fenced by the lease), so they commit
      -- in increasing order and "resume after id" never skips one.
      CREATE SEQUENCE events_id_seq;
      CREATE TABLE events (
        id bigint PRIMARY KEY,
        stream text NOT NULL,
        time bigint NOT NULL,
        kind text NOT NULL,
        stanza text NOT NULL
      );
      CREATE INDEX events_by_stream ON events (stream, id);
      -- Pruning logged events by age; the global stream's events all have deliveries.
      CREATE INDEX events_logged_by_time ON events (time) WHERE stream <> 'global';

      -- One webhook delivery per event a webhook should receive; stream copied from the
      -- event so claims read one table.
      CREATE TABLE deliveries (
        event_id bigint PRIMARY KEY,
        stream text NOT NULL,
        conversation text NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        last_error text,
        claimant text
      );
      CREATE INDEX deliveries_pending ON deliveries (stream, event_id) WHERE state = 'pending';
      CREATE INDEX deliveries_pending_by_conversation ON deliveries (stream, conversation, event_id)
        WHERE state = 'pending';
      CREATE INDEX deliveries_finished ON deliveries (updated_at) WHERE state <> 'pending';
      CREATE INDEX deliveries_failed ON deliveries (event_id) WHERE state = 'failed';

      -- A claim holds while its claimant's lease runs and the process that took it (its
      -- session's lock, instance_lock) is alive.
      CREATE TABLE claimants (
        claimant text PRIMARY KEY,
        lease_until bigint NOT NULL,
        instance_lock integer
      );

      CREATE TABLE stream_positions (
        stream text PRIMARY KEY,
        acked bigint NOT NULL
      );

      CREATE TABLE bots (
        name text PRIMARY KEY,
        token_hashes text NOT NULL,
        webhook text,
        auto_join_on_invite boolean NOT NULL DEFAULT false,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL
      );

      CREATE SEQUENCE history_id_seq;
      CREATE TABLE history (
        id bigint PRIMARY KEY,
        owner text NOT NULL,
        direction text NOT NULL CHECK (direction IN ('in', 'out')),
        peer text NOT NULL,
        sender text NOT NULL,
        recipient text NOT NULL,
        type text NOT NULL,
        body text NOT NULL,
        stanza text NOT NULL,
        time bigint NOT NULL
      );
      CREATE INDEX history_by_owner ON history (owner, id);
      CREATE INDEX history_by_peer ON history (owner, peer, id);
      CREATE INDEX history_by_time ON history (time);

      CREATE TABLE rooms (
        owner text NOT NULL,
        room text NOT NULL,
        nick text NOT NULL,
        password text,
        joined_at bigint NOT NULL,
        PRIMARY KEY (owner, room)
      );

      CREATE SEQUENCE room_messages_id_seq;
      CREATE TABLE room_messages (
        id bigint PRIMARY KEY,
        owner text NOT NULL,
        room text NOT NULL,
        nick text NOT NULL,
        sender text NOT NULL,
        body text NOT NULL,
        stanza text NOT NULL,
        time bigint NOT NULL
      );
      CREATE INDEX room_messages_by_room ON room_messages (owner, room, id);
      CREATE INDEX room_messages_by_time ON room_messages (time);

      -- The processes on this database: an instance is alive while its session lock is held.
      CREATE TABLE instances (
        instance text PRIMARY KEY,
        lock integer NOT NULL,
        url text,
        started_at bigint NOT NULL
      );

      -- Leases on the database's clock: 'link' (the XMPP link), later one per account.
      -- holder_lock is the holder's session lock (see instance.ts): gone with its session.
      CREATE TABLE leases (
        name text PRIMARY KEY,
        holder text,
        holder_lock integer,
        holder_url text,
        epoch bigint NOT NULL DEFAULT 0,
        expires_at timestamptz NOT NULL DEFAULT '-infinity',
        successor text
      );

      -- Stanzas accepted by any process, sent by the link holder; iqs wait here for their
      -- reply (waiter: the instance that waits).
      CREATE TABLE outbox (
        id bigserial PRIMARY KEY,
        stanza text NOT NULL,
        kind text NOT NULL,
        state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'written', 'answered')),
        epoch bigint,
        waiter text,
        responder text,
        stanza_id text,
        mam_query_id text,
        deadline bigint,
        claim text,
        reply text,
        results text[],
        created_at bigint NOT NULL
      );
      CREATE INDEX outbox_pending ON outbox (id) WHERE state = 'pending';
      CREATE INDEX outbox_written ON outbox (id) WHERE state = 'written';
    `,
  },
  {
    version: 2,
    description: "message ids the API hands out; edited and retracted messages",
    sql: `
      -- As SQLite's migration 5: the id the API hands out for a message
      -- (stanza/message-ids.ts), when it was last corrected (XEP-0308) or retracted
      -- (XEP-0424). '' for messages kept before.
      ALTER TABLE history ADD COLUMN message_id text NOT NULL DEFAULT '';
      ALTER TABLE history ADD COLUMN edited_at bigint;
      ALTER TABLE history ADD COLUMN deleted_at bigint;
      CREATE INDEX history_by_message ON history (owner, message_id, id) WHERE message_id <> '';

      -- A room message is named by the room's stanza-id (the owner's own: its origin-id) and
      -- corrected by its sender's own id, so both are kept.
      ALTER TABLE room_messages ADD COLUMN message_id text NOT NULL DEFAULT '';
      ALTER TABLE room_messages ADD COLUMN origin_id text;
      ALTER TABLE room_messages ADD COLUMN stanza_id text;
      ALTER TABLE room_messages ADD COLUMN own boolean NOT NULL DEFAULT false;
      ALTER TABLE room_messages ADD COLUMN edited_at bigint;
      ALTER TABLE room_messages ADD COLUMN deleted_at bigint;
      CREATE INDEX room_messages_by_message ON room_messages (owner, message_id, id)
        WHERE message_id <> '';
      CREATE INDEX room_messages_by_origin ON room_messages (owner, room, origin_id)
        WHERE origin_id IS NOT NULL;
      CREATE INDEX room_messages_by_stanza_id ON room_messages (owner, room, stanza_id)
        WHERE stanza_id IS NOT NULL;
    `,
  },
  {
    version: 3,
    description: "the commands owners offer (XEP-0050)",
    sql: `
      CREATE TABLE commands (
        owner text NOT NULL,
        position integer NOT NULL,
        node text NOT NULL,
        name text NOT NULL,
        PRIMARY KEY (owner, node)
      );
    `,
  },
  {
    version: 4,
    description: "accounts the bridge logs in to as a client",
    sql: `
      -- As SQLite's migration 7: existing XMPP accounts kept online (README, "Accounts").
      -- credentials holds the password or the server's SCRAM salted keys, sealed with the
      -- operator's key (AES-256-GCM): never in the clear. Tokens as SHA-256 digests only.
      -- last_archive_id: the newest archive id seen, where the catch-up after a restart starts.
      CREATE TABLE accounts (
        jid text PRIMARY KEY,
        credentials text NOT NULL,
        settings text NOT NULL,
        webhook text,
        token_hashes text NOT NULL,
        last_archive_id text,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL
      );
    `,
  },
  {
    version: 5,
    description: "accounts' contacts, subscription requests and conversations",
    sql: `
      -- As SQLite's migration 8: an account's roster as its server last gave it (RFC 6121
      -- §2) with its version (XEP-0237), the requests to see its presence until answered
      -- (§3.1.3), and one row per conversation (its last message and what is unread, JSON
      -- the accounts layer reads; last_time for listing newest first).
      CREATE TABLE account_contacts (
        owner text NOT NULL,
        jid text NOT NULL,
        contact text NOT NULL,
        PRIMARY KEY (owner, jid)
      );
      CREATE TABLE account_rosters (
        owner text PRIMARY KEY,
        version text
      );
      CREATE TABLE account_subscription_requests (
        owner text NOT NULL,
        jid text NOT NULL,
        time bigint NOT NULL,
        status text,
        PRIMARY KEY (owner, jid)
      );
      CREATE TABLE account_conversations (
        owner text NOT NULL,
        peer text NOT NULL,
        last_time bigint NOT NULL,
        conversation text NOT NULL,
        PRIMARY KEY (owner, peer)
      );
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

/** One number for every xmpp-rest process on the database: who migrates. */
const MIGRATION_LOCK = 0x78722d6d;

/** Applies the missing migrations in one transaction; returns the store's id. */
export async function migrate(client: pg.ClientBase, location: string): Promise<string> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    const exists = await client.query<{ meta: string | null }>(
      "SELECT to_regclass('meta')::text AS meta",
    );
    let version = 0;
    if (exists.rows[0]?.meta) {
      const row = await client.query<{ value: string }>(
        "SELECT value FROM meta WHERE key = 'schema-version'",
      );
      version = Number(row.rows[0]?.value ?? 0);
    } else {
      const others = await client.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_tables WHERE schemaname = current_schema()
         AND tablename IN ('events', 'deliveries', 'bots', 'history', 'rooms', 'outbox')`,
      );
      if (Number(others.rows[0]?.n ?? 0) > 0) {
        throw new StoreOpenError(
          `store ${location}: the database holds tables of something else; give xmpp-rest a database of its own`,
        );
      }
    }
    if (version > SCHEMA_VERSION) {
      throw new StoreOpenError(
        `store ${location}: written by a newer xmpp-rest (schema ${version}; this version knows up to ${SCHEMA_VERSION})`,
      );
    }
    for (const migration of MIGRATIONS) {
      if (migration.version <= version) continue;
      await client.query(migration.sql);
    }
    await client.query(
      `INSERT INTO meta (key, value) VALUES ('schema-version', $1)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      [String(SCHEMA_VERSION)],
    );
    await client.query(
      "INSERT INTO meta (key, value) VALUES ('store-id', $1) ON CONFLICT (key) DO NOTHING",
      [randomBytes(6).toString("hex")],
    );
    await client.query("INSERT INTO leases (name) VALUES ('link') ON CONFLICT (name) DO NOTHING");
    const id = await client.query<{ value: string }>(
      "SELECT value FROM meta WHERE key = 'store-id'",
    );
    await client.query("COMMIT");
    return id.rows[0]?.value ?? "";
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  }
}
