import type Database from "better-sqlite3";
import { type KeysetQuery, keysetPager } from "./keyset-page.js";
import type { RoomMessage, RoomMessagePage, RoomRecord, RoomStore } from "./rooms.js";
import type { SqliteAccess } from "./sqlite-bots.js";

interface RoomRow {
  bot: string;
  room: string;
  nick: string;
  password: string | null;
  joined_at: number;
}

interface MessageRow {
  id: number;
  nick: string;
  sender: string;
  body: string;
  stanza: string;
  time: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

const toRecord = (row: RoomRow): RoomRecord => ({
  bot: row.bot,
  room: row.room,
  nick: row.nick,
  ...(row.password === null ? {} : { password: row.password }),
  joinedAt: iso(row.joined_at),
});

const toMessage = (row: MessageRow): RoomMessage => ({
  id: String(row.id),
  nick: row.nick,
  from: row.sender,
  body: row.body,
  stanza: row.stanza,
  time: iso(row.time),
});

/** The rooms part of the SQLite store (tables of migration 3). */
export function createSqliteRoomStore(db: Database.Database, access: SqliteAccess): RoomStore {
  const { write, read, batched } = access;
  const all = db.prepare<[], RoomRow>("SELECT * FROM rooms ORDER BY bot, room");
  const ofBot = db.prepare<[string], RoomRow>("SELECT * FROM rooms WHERE bot = ? ORDER BY room");
  const upsert = db.prepare<[string, string, string, string | null, number]>(
    `INSERT INTO rooms (bot, room, nick, password, joined_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (bot, room) DO UPDATE SET nick = excluded.nick, password = excluded.password`,
  );
  const remove = db.prepare<[string, string]>("DELETE FROM rooms WHERE bot = ? AND room = ?");
  const insertMessage = db.prepare<[string, string, string, string, string, string, number]>(
    `INSERT INTO room_messages (bot, room, nick, sender, body, stanza, time)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const pageMessages = keysetPager<MessageRow>(db, {
    table: "room_messages",
    columns: "id, nick, sender, body, stanza, time",
    scope: "bot = ? AND room = ?",
  });
  const page = (bot: string, room: string, query: KeysetQuery): RoomMessagePage => {
    const { rows, hasOlder, hasNewer } = pageMessages([bot, room], query);
    return { messages: rows.map(toMessage), hasOlder, hasNewer };
  };

  return {
    listRooms: (bot) => read(() => (bot === undefined ? all.all() : ofBot.all(bot)).map(toRecord)),
    putRoom: (r) =>
      write(() => {
        upsert.run(r.bot, r.room, r.nick, r.password ?? null, Date.parse(r.joinedAt));
      }),
    deleteRoom: (bot, room) => write(() => remove.run(bot, room).changes > 0),
    appendRoomMessage: (m) =>
      batched((): RoomMessage => {
        const id = insertMessage.run(
          m.bot,
          m.room,
          m.nick,
          m.from,
          m.body,
          m.stanza,
          Date.parse(m.time),
        ).lastInsertRowid;
        const { bot: _bot, room: _room, ...shown } = m;
        return { ...shown, id: String(id) };
      }),
    pageRoomMessages: (bot, room, query) => read(() => page(bot, room, query)),
  };
}
