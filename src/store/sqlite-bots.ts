import type Database from "better-sqlite3";
import type {
  BotRecord,
  BotStore,
  BotWebhook,
  HistoryEntry,
  HistoryPage,
  LogEvent,
} from "./bots.js";
import { keysetPager } from "./keyset-page.js";
import type { Batched } from "./sqlite-batch.js";

interface BotRow {
  name: string;
  token_hashes: string;
  webhook: string | null;
  auto_join_on_invite: number;
  created_at: number;
  updated_at: number;
}

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

export interface SqliteAccess {
  /** Runs a write (full disk -> StoreFullError); `relaxed` skips the log sync. */
  write<T>(run: () => T, relaxed?: boolean): Promise<T>;
  read<T>(run: () => T): Promise<T>;
  /** A write joined to the next batch: one commit for the appends of one turn (./sqlite-batch.ts). */
  batched: Batched;
}

const iso = (ms: number) => new Date(ms).toISOString();
const ms = (time: string) => Date.parse(time);

const toRecord = (row: BotRow): BotRecord => ({
  name: row.name,
  tokenHashes: JSON.parse(row.token_hashes) as string[],
  webhook: row.webhook === null ? undefined : (JSON.parse(row.webhook) as BotWebhook),
  ...(row.auto_join_on_invite ? { autoJoinOnInvite: true } : {}),
  createdAt: iso(row.created_at),
  updatedAt: iso(row.updated_at),
});

const toEntry = (row: HistoryRow): HistoryEntry => ({
  id: String(row.id),
  direction: row.direction,
  from: row.sender,
  to: row.recipient,
  type: row.type,
  body: row.body,
  stanza: row.stanza,
  time: iso(row.time),
});

/**
 * The bot part of the SQLite store: bots, their events (the `events` rows of the
 * stream named after the bot), acknowledged positions and history. Watchers are
 * in-process: one bridge holds the store (locking_mode EXCLUSIVE).
 */
export function createSqliteBotStore(db: Database.Database, access: SqliteAccess): BotStore {
  const { write, read } = access;
  const watchers = new Map<string, Set<() => void>>();

  const batched = access.batched;

  const allBots = db.prepare<[], BotRow>("SELECT * FROM bots ORDER BY name");
  const oneBot = db.prepare<[string], BotRow>("SELECT * FROM bots WHERE name = ?");
  const upsertBot = db.prepare<[string, string, string | null, number, number, number]>(
    `INSERT INTO bots (name, token_hashes, webhook, auto_join_on_invite, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET token_hashes = excluded.token_hashes,
       webhook = excluded.webhook, auto_join_on_invite = excluded.auto_join_on_invite,
       updated_at = excluded.updated_at`,
  );
  const removeBot = db.prepare<[string]>("DELETE FROM bots WHERE name = ?");
  const removeEvents = db.prepare<[string]>(
    `DELETE FROM events WHERE stream = ?
     AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = events.id AND d.state = 'pending')`,
  );
  const removePosition = db.prepare<[string]>("DELETE FROM bot_positions WHERE bot = ?");
  const removeHistory = db.prepare<[string]>("DELETE FROM history WHERE bot = ?");
  const removeRooms = db.prepare<[string]>("DELETE FROM rooms WHERE bot = ?");
  const removeRoomMessages = db.prepare<[string]>("DELETE FROM room_messages WHERE bot = ?");
  const insertEvent = db.prepare<[string, number, string, string]>(
    "INSERT INTO events (stream, time, kind, stanza) VALUES (?, ?, ?, ?)",
  );
  const eventsAfter = db.prepare<
    [string, number, number],
    { id: number; time: number; stanza: string }
  >("SELECT id, time, stanza FROM events WHERE stream = ? AND id > ? ORDER BY id LIMIT ?");
  const lastEvent = db.prepare<[string], { id: number | null }>(
    "SELECT max(id) AS id FROM events WHERE stream = ?",
  );
  const acked = db.prepare<[string], { acked: number }>(
    "SELECT acked FROM bot_positions WHERE bot = ?",
  );
  const ack = db.prepare<[string, number]>(
    `INSERT INTO bot_positions (bot, acked) VALUES (?, ?)
     ON CONFLICT (bot) DO UPDATE SET acked = max(acked, excluded.acked)`,
  );
  const insertHistory = db.prepare<
    [string, string, string, string, string, string, string, string, number]
  >(
    `INSERT INTO history (bot, direction, peer, sender, recipient, type, body, stanza, time)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const oldEvents = db.prepare<[number, number]>(
    `DELETE FROM events WHERE id IN (
       SELECT id FROM events e WHERE e.stream <> '' AND e.time < ?
       AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id)
       ORDER BY e.time LIMIT ?)`,
  );
  const oldHistory = db.prepare<[number, number]>(
    "DELETE FROM history WHERE id IN (SELECT id FROM history WHERE time < ? ORDER BY time LIMIT ?)",
  );
  const oldRoomMessages = db.prepare<[number, number]>(
    `DELETE FROM room_messages WHERE id IN
       (SELECT id FROM room_messages WHERE time < ? ORDER BY time LIMIT ?)`,
  );

  const deleteAll = db.transaction((name: string) => {
    const existed = removeBot.run(name).changes > 0;
    removeEvents.run(name);
    removePosition.run(name);
    removeHistory.run(name);
    removeRooms.run(name);
    removeRoomMessages.run(name);
    return existed;
  });

  const history = { table: "history", columns: HISTORY_COLUMNS };
  const pageAll = keysetPager<HistoryRow>(db, { ...history, scope: "bot = ?" });
  const pageWith = keysetPager<HistoryRow>(db, { ...history, scope: "bot = ? AND peer = ?" });
  const page = (bot: string, q: Parameters<BotStore["pageHistory"]>[1]): HistoryPage => {
    const { rows, hasOlder, hasNewer } =
      q.with === undefined ? pageAll([bot], q) : pageWith([bot, q.with], q);
    return { entries: rows.map(toEntry), hasOlder, hasNewer };
  };

  return {
    listBots: () => read(() => allBots.all().map(toRecord)),
    getBot: (name) =>
      read(() => {
        const row = oneBot.get(name);
        return row && toRecord(row);
      }),
    putBot: (bot) =>
      write(() => {
        upsertBot.run(
          bot.name,
          JSON.stringify(bot.tokenHashes),
          bot.webhook ? JSON.stringify(bot.webhook) : null,
          bot.autoJoinOnInvite ? 1 : 0,
          ms(bot.createdAt),
          ms(bot.updatedAt),
        );
      }),
    deleteBot: (name) => write(() => deleteAll(name)),
    appendBotEvent: async (bot, stanza, time) => {
      const event = await batched((): LogEvent => {
        const kind = /^<([a-z]+)/.exec(stanza)?.[1] ?? "";
        const id = insertEvent.run(bot, ms(time), kind, stanza).lastInsertRowid;
        return { id: String(id), time, stanza };
      });
      for (const listener of [...(watchers.get(bot) ?? [])]) listener();
      return event;
    },
    readBotEvents: (bot, after, limit) =>
      read(() =>
        eventsAfter
          .all(bot, Number(after), limit)
          .map((row) => ({ id: String(row.id), time: iso(row.time), stanza: row.stanza })),
      ),
    lastBotEventId: (bot) => read(() => String(lastEvent.get(bot)?.id ?? 0)),
    watchEvents(bot, listener) {
      let set = watchers.get(bot);
      if (!set) {
        set = new Set();
        watchers.set(bot, set);
      }
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) watchers.delete(bot);
      };
    },
    ackedEventId: (bot) => read(() => String(acked.get(bot)?.acked ?? 0)),
    acknowledge: (bot, id) => write(() => void ack.run(bot, Number(id)), true),
    appendHistory: (input) =>
      batched((): HistoryEntry => {
        const id = insertHistory.run(
          input.bot,
          input.direction,
          input.peer,
          input.from,
          input.to,
          input.type,
          input.body,
          input.stanza,
          ms(input.time),
        ).lastInsertRowid;
        const { bot: _bot, peer: _peer, ...shown } = input;
        return { ...shown, id: String(id) };
      }),
    pageHistory: (bot, query) => read(() => page(bot, query)),
    pruneBots: (before, batch) =>
      write(() => {
        const events = oldEvents.run(ms(before), batch).changes;
        const history = oldHistory.run(ms(before), Math.max(0, batch - events)).changes;
        const left = Math.max(0, batch - events - history);
        return events + history + oldRoomMessages.run(ms(before), left).changes;
      }, true),
  };
}
