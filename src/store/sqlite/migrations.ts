/**
 * The SQLite schema, one numbered step at a time. A store records the last step applied
 * (SQLite's user_version); start-up applies the missing ones in one transaction and
 * refuses a store written by a newer version. Later features add steps here, never edit
 * an applied one.
 */
export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "event log and webhook deliveries",
    sql: `
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID;

      -- Append-only log of inbound stanzas. AUTOINCREMENT: an id is never reused, even
      -- after pruning, so a reader's position (a later issue's pull streams) stays valid.
      -- stream is '' for the global callback, later a bot's name.
      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        stream TEXT NOT NULL,
        time INTEGER NOT NULL,
        kind TEXT NOT NULL,
        stanza TEXT NOT NULL
      );
      CREATE INDEX events_by_stream ON events (stream, id);

      -- One webhook delivery per event that a webhook should receive.
      CREATE TABLE deliveries (
        event_id INTEGER PRIMARY KEY,
        conversation TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        last_error TEXT
      );
      -- Partial indexes: the pending part is small whatever the history's size.
      CREATE INDEX deliveries_pending ON deliveries (event_id) WHERE state = 'pending';
      CREATE INDEX deliveries_pending_by_conversation ON deliveries (conversation, event_id)
        WHERE state = 'pending';
      CREATE INDEX deliveries_finished ON deliveries (updated_at)
        WHERE state <> 'pending';
      CREATE INDEX deliveries_failed ON deliveries (event_id) WHERE state = 'failed';
    `,
  },
  {
    version: 2,
    description: "bots, their acknowledged positions, message history",
    sql: `
      -- Bots made through the admin API (the config file's live in memory). Tokens are
      -- kept as SHA-256 digests only; webhook settings as one JSON object.
      CREATE TABLE bots (
        name TEXT PRIMARY KEY,
        token_hashes TEXT NOT NULL,
        webhook TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID;

      -- A bot's events are the events of the stream named after it. Its acknowledged
      -- position (Telegram's offset): the highest event id read with after=.
      CREATE TABLE bot_positions (
        bot TEXT PRIMARY KEY,
        acked INTEGER NOT NULL
      ) WITHOUT ROWID;

      -- Messages with a body a bot sent or received; peer is the other side's bare JID.
      CREATE TABLE history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        bot TEXT NOT NULL,
        direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
        peer TEXT NOT NULL,
        sender TEXT NOT NULL,
        recipient TEXT NOT NULL,
        type TEXT NOT NULL,
        body TEXT NOT NULL,
        stanza TEXT NOT NULL,
        time INTEGER NOT NULL
      );
      CREATE INDEX history_by_bot ON history (bot, id);
      CREATE INDEX history_by_peer ON history (bot, peer, id);
      CREATE INDEX history_by_time ON history (time);
      -- Pruning pulled events by age (the webhook's are pruned with their deliveries).
      CREATE INDEX events_of_bots_by_time ON events (time) WHERE stream <> '';
    `,
  },
  {
    version: 3,
    description: "rooms (XEP-0045) the bots are in, what was said there, autoJoinOnInvite",
    sql: `
      -- Rooms a bot has joined: re-joined after every reconnect and restart, until it
      -- leaves or is removed (kick, ban, destroy). room is the bare JID, normalised.
      CREATE TABLE rooms (
        bot TEXT NOT NULL,
        room TEXT NOT NULL,
        nick TEXT NOT NULL,
        password TEXT,
        joined_at INTEGER NOT NULL,
        PRIMARY KEY (bot, room)
      ) WITHOUT ROWID;

      -- Groupchat messages with a body said in a room while the bot was there (the
      -- room's reflection of the bot's own messages included), pruned by age.
      CREATE TABLE room_messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        bot TEXT NOT NULL,
        room TEXT NOT NULL,
        nick TEXT NOT NULL,
        sender TEXT NOT NULL,
        body TEXT NOT NULL,
        stanza TEXT NOT NULL,
        time INTEGER NOT NULL
      );
      CREATE INDEX room_messages_by_room ON room_messages (bot, room, id);
      CREATE INDEX room_messages_by_time ON room_messages (time);

      ALTER TABLE bots ADD COLUMN auto_join_on_invite INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 4,
    description: "owner ids instead of bot names; delivery claims",
    sql: `
      -- Streams, positions, history and rooms are keyed by owner id (src/owner.ts): the
      -- global callback's stream '' becomes 'global', a bot's name 'bot:<name>'.
      UPDATE events SET stream = CASE stream WHEN '' THEN 'global' ELSE 'bot:' || stream END;
      DROP INDEX events_of_bots_by_time;
      -- Pruning logged events by age. The global stream's events all have deliveries and
      -- go with them, so they stay out of this index (and out of its cost per append).
      CREATE INDEX events_logged_by_time ON events (time) WHERE stream <> 'global';

      CREATE TABLE stream_positions (
        stream TEXT PRIMARY KEY,
        acked INTEGER NOT NULL
      ) WITHOUT ROWID;
      INSERT INTO stream_positions (stream, acked) SELECT 'bot:' || bot, acked FROM bot_positions;
      DROP TABLE bot_positions;

      ALTER TABLE history RENAME COLUMN bot TO owner;
      UPDATE history SET owner = 'bot:' || owner;
      DROP INDEX history_by_bot;
      DROP INDEX history_by_peer;
      CREATE INDEX history_by_owner ON history (owner, id);
      CREATE INDEX history_by_peer ON history (owner, peer, id);

      ALTER TABLE rooms RENAME COLUMN bot TO owner;
      UPDATE rooms SET owner = 'bot:' || owner;
      ALTER TABLE room_messages RENAME COLUMN bot TO owner;
      UPDATE room_messages SET owner = 'bot:' || owner;
      DROP INDEX room_messages_by_room;
      CREATE INDEX room_messages_by_room ON room_messages (owner, room, id);

      -- Who claimed a delivery; a claim holds while its claimant's lease runs (one row per
      -- claimant, so renewing costs one write however many rows it holds). A delivery's stream
      -- is its event's.
      ALTER TABLE deliveries ADD COLUMN claimant TEXT;
      CREATE TABLE claimants (
        claimant TEXT PRIMARY KEY,
        lease_until INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 5,
    description: "message ids the API hands out; edited and retracted messages",
    sql: `
      -- The id the API hands out for a message (stanza/message-ids.ts), and when it was last
      -- corrected (XEP-0308) or retracted (XEP-0424). '' for messages kept before.
      ALTER TABLE history ADD COLUMN message_id TEXT NOT NULL DEFAULT '';
      ALTER TABLE history ADD COLUMN edited_at INTEGER;
      ALTER TABLE history ADD COLUMN deleted_at INTEGER;
      CREATE INDEX history_by_message ON history (owner, message_id) WHERE message_id <> '';

      -- A room message is named by the room's stanza-id (the owner's own: its origin-id) and
      -- corrected by its sender's own id, so both are kept.
      ALTER TABLE room_messages ADD COLUMN message_id TEXT NOT NULL DEFAULT '';
      ALTER TABLE room_messages ADD COLUMN origin_id TEXT;
      ALTER TABLE room_messages ADD COLUMN stanza_id TEXT;
      ALTER TABLE room_messages ADD COLUMN own INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE room_messages ADD COLUMN edited_at INTEGER;
      ALTER TABLE room_messages ADD COLUMN deleted_at INTEGER;
      CREATE INDEX room_messages_by_message ON room_messages (owner, message_id)
        WHERE message_id <> '';
      CREATE INDEX room_messages_by_origin ON room_messages (owner, room, origin_id)
        WHERE origin_id IS NOT NULL;
      CREATE INDEX room_messages_by_stanza_id ON room_messages (owner, room, stanza_id)
        WHERE stanza_id IS NOT NULL;
    `,
  },
  {
    version: 6,
    description: "the commands owners offer (XEP-0050)",
    sql: `
      CREATE TABLE commands (
        owner TEXT NOT NULL,
        position INTEGER NOT NULL,
        node TEXT NOT NULL,
        name TEXT NOT NULL,
        PRIMARY KEY (owner, node)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 7,
    description: "accounts the bridge logs in to as a client",
    sql: `
      -- Existing XMPP accounts kept online (README, "Accounts"). credentials holds the
      -- password or the server's SCRAM salted keys, sealed with the operator's key
      -- (AES-256-GCM): never in the clear. Tokens as SHA-256 digests only. last_archive_id:
      -- the newest archive id seen, where the catch-up after a restart starts.
      CREATE TABLE accounts (
        jid TEXT PRIMARY KEY,
        credentials TEXT NOT NULL,
        settings TEXT NOT NULL,
        webhook TEXT,
        token_hashes TEXT NOT NULL,
        last_archive_id TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 8,
    description: "accounts' contacts, subscription requests and conversations",
    sql: `
      -- An account's roster as its server last gave it (RFC 6121 §2), one row per contact,
      -- and the version it came with (XEP-0237), so a reconnect asks only for what changed.
      CREATE TABLE account_contacts (
        owner TEXT NOT NULL,
        jid TEXT NOT NULL,
        contact TEXT NOT NULL,
        PRIMARY KEY (owner, jid)
      ) WITHOUT ROWID;
      CREATE TABLE account_rosters (
        owner TEXT PRIMARY KEY,
        version TEXT
      ) WITHOUT ROWID;
      -- Requests to see the account's presence, until answered (RFC 6121 §3.1.3).
      CREATE TABLE account_subscription_requests (
        owner TEXT NOT NULL,
        jid TEXT NOT NULL,
        time INTEGER NOT NULL,
        status TEXT,
        PRIMARY KEY (owner, jid)
      ) WITHOUT ROWID;
      -- One row per conversation: its last message and what is unread (JSON the accounts
      -- layer reads), and when its last message came, for listing newest first.
      CREATE TABLE account_conversations (
        owner TEXT NOT NULL,
        peer TEXT NOT NULL,
        last_time INTEGER NOT NULL,
        conversation TEXT NOT NULL,
        PRIMARY KEY (owner, peer)
      ) WITHOUT ROWID;
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);
