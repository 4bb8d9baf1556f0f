import type Database from "better-sqlite3";
import type {
  RoomMessage,
  RoomMessagePage,
  RoomMessageQuery,
  RoomRecord,
  RoomStore,
} from "../rooms.js";
import { keysetPager } from "./keyset-page.js";
import type { Writer } from "./writer.js";

interface RoomRow {
  owner: string;
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

const toRecord = (row: RoomRow): RoomRecord => ({
  owner: row.owner,
  room: row.room,
  nick: row.nick,
  ...(row.password === null ? {} : { password: row.password }),
  joinedAt: row.joined_at,
});

const toMessage = (row: MessageRow): RoomMessage => ({
  id: String(row.id),
  nick: row.nick,
  from: row.sender,
  body: row.body,
  stanza: row.stanza,
  time: row.time,
});

/** The rooms part of the SQLite store (tables of migration 3, keyed by owner since 4). */
export function createSqliteRooms(db: Database.Database, writer: Writer): RoomStore {
  const all = db.prepare<[], RoomRow>("SELECT * FROM rooms ORDER BY owner, room");
  const ofOwner = db.prepare<[string], RoomRow>(
    "SELECT * FROM rooms WHERE owner = ? ORDER BY room",
  );
  const upsert = db.prepare<[string, string, string, string | null, number]>(
    `INSERT INTO rooms (owner, room, nick, password, joined_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (owner, room) DO UPDATE SET nick = excluded.nick, password = excluded.password`,
  );
  const remove = db.prepare<[string, string]>("DELETE FROM rooms WHERE owner = ? AND room = ?");
  const insertMessage = db.prepare<[string, string, string, string, string, string, number]>(
    `INSERT INTO room_messages (owner, room, nick, sender, body, stanza, time)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const pageMessages = keysetPager<MessageRow>(db, {
    table: "room_messages",
    columns: "id, nick, sender, body, stanza, time",
    scope: "owner = ? AND room = ?",
  });
  const page = (owner: string, room: string, query: RoomMessageQuery): RoomMessagePage => {
    const { rows, hasOlder, hasNewer } = pageMessages([owner, room], query);
    return { messages: rows.map(toMessage), hasOlder, hasNewer };
  };

  return {
    listRooms: (owner) =>
      writer.read(() => (owner === undefined ? all.all() : ofOwner.all(owner)).map(toRecord)),
    putRoom: (r) =>
      writer.write(() => {
        upsert.run(r.owner, r.room, r.nick, r.password ?? null, r.joinedAt);
      }),
    deleteRoom: (owner, room) => writer.write(() => remove.run(owner, room).changes > 0),
    appendRoomMessage: (m) =>
      writer.batched((): RoomMessage => {
        const id = insertMessage.run(
          m.owner,
          m.room,
          m.nick,
          m.from,
          m.body,
          m.stanza,
          m.time,
        ).lastInsertRowid;
        const { owner: _owner, room: _room, ...shown } = m;
        return { ...shown, id: String(id) };
      }, true),
    pageRoomMessages: (owner, room, query) => writer.read(() => page(owner, room, query)),
  };
}
