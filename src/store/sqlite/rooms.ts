import type Database from "better-sqlite3";
import type {
  FoundRoomMessage,
  RoomMessage,
  RoomMessagePage,
  RoomMessageQuery,
  RoomRecord,
  RoomStore,
} from "../rooms.js";
import { keysetPager } from "./keyset-page.js";
import { changeArgs } from "./message-change.js";
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
  message_id: string;
  origin_id: string | null;
  stanza_id: string | null;
  own: number;
  edited_at: number | null;
  deleted_at: number | null;
}

const MESSAGE_COLUMNS =
  "id, nick, sender, body, stanza, time, message_id, origin_id, stanza_id, own, edited_at, deleted_at";

/** The column a RoomMessageTarget names (never from input: one of three literals). */
const TARGET_COLUMNS = { message: "message_id", origin: "origin_id", stanza: "stanza_id" } as const;

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
  ...(row.message_id === "" ? {} : { messageId: row.message_id }),
  ...(row.origin_id === null ? {} : { originId: row.origin_id }),
  ...(row.stanza_id === null ? {} : { stanzaId: row.stanza_id }),
  ...(row.own === 1 ? { own: true } : {}),
  ...(row.edited_at === null ? {} : { editedAt: row.edited_at }),
  ...(row.deleted_at === null ? {} : { deletedAt: row.deleted_at }),
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
  const insertMessage = db.prepare<
    [
      string,
      string,
      string,
      string,
      string,
      string,
      number,
      string,
      string | null,
      string | null,
      number,
    ]
  >(
    `INSERT INTO room_messages
       (owner, room, nick, sender, body, stanza, time, message_id, origin_id, stanza_id, own)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const pageMessages = keysetPager<MessageRow>(db, {
    table: "room_messages",
    columns: MESSAGE_COLUMNS,
    scope: "owner = ? AND room = ?",
  });
  // `message_id <> ''` lets SQLite use the partial index.
  const byMessage = db.prepare<[string, string], MessageRow & { room: string }>(
    `SELECT ${MESSAGE_COLUMNS}, room FROM room_messages
     WHERE owner = ? AND message_id = ? AND message_id <> '' ORDER BY id DESC LIMIT 1`,
  );
  type AmendArgs = [
    string | null,
    number | null,
    number | null,
    string,
    string,
    string,
    string,
    string,
  ];
  const amendStatement = (column: (typeof TARGET_COLUMNS)[keyof typeof TARGET_COLUMNS]) =>
    db.prepare<AmendArgs>(
      `UPDATE room_messages SET body = coalesce(?, body), edited_at = coalesce(?, edited_at),
         deleted_at = coalesce(?, deleted_at)
       WHERE owner = ? AND room = ? AND ${column} = ? AND (? = '' OR nick = ?)
         AND deleted_at IS NULL`,
    );
  const amendBy = {
    message: amendStatement(TARGET_COLUMNS.message),
    origin: amendStatement(TARGET_COLUMNS.origin),
    stanza: amendStatement(TARGET_COLUMNS.stanza),
  };
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
          m.messageId ?? "",
          m.originId ?? null,
          m.stanzaId ?? null,
          m.own ? 1 : 0,
        ).lastInsertRowid;
        return toMessage({
          id: Number(id),
          nick: m.nick,
          sender: m.from,
          body: m.body,
          stanza: m.stanza,
          time: m.time,
          message_id: m.messageId ?? "",
          origin_id: m.originId ?? null,
          stanza_id: m.stanzaId ?? null,
          own: m.own ? 1 : 0,
          edited_at: null,
          deleted_at: null,
        });
      }, true),
    pageRoomMessages: (owner, room, query) => writer.read(() => page(owner, room, query)),
    findRoomMessage: (owner, messageId) =>
      writer.read((): FoundRoomMessage | undefined => {
        const row = byMessage.get(owner, messageId);
        return row && { ...toMessage(row), room: row.room };
      }),
    amendRoomMessage: (owner, room, target, change) =>
      writer.batched(() => {
        const nick = target.nick ?? "";
        const [body, editedAt, deletedAt] = changeArgs(change);
        const statement = amendBy[target.by];
        return (
          statement.run(body, editedAt, deletedAt, owner, room, target.id, nick, nick).changes > 0
        );
      }, true),
  };
}
