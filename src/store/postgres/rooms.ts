import type pg from "pg";
import type { RoomMessage, RoomMessagePage, RoomRecord, RoomStore } from "../rooms.js";
import { keysetPager } from "./keyset-page.js";
import { read } from "./query.js";
import type { PgWriter } from "./writer.js";

interface RoomRow {
  owner: string;
  room: string;
  nick: string;
  password: string | null;
  joined_at: string;
}

interface MessageRow {
  id: string;
  nick: string;
  sender: string;
  body: string;
  stanza: string;
  time: string;
}

const toRecord = (row: RoomRow): RoomRecord => ({
  owner: row.owner,
  room: row.room,
  nick: row.nick,
  ...(row.password === null ? {} : { password: row.password }),
  joinedAt: Number(row.joined_at),
});

const toMessage = (row: MessageRow): RoomMessage => ({
  id: row.id,
  nick: row.nick,
  from: row.sender,
  body: row.body,
  stanza: row.stanza,
  time: Number(row.time),
});

const ROOM_COLUMNS = "owner, room, nick, password, joined_at::text AS joined_at";

/** The rooms part of the PostgreSQL store. */
export function createPgRooms(pool: pg.Pool, writer: PgWriter): RoomStore {
  const pageMessages = keysetPager<MessageRow>(pool, {
    table: "room_messages",
    columns: "id::text AS id, nick, sender, body, stanza, time::text AS time",
    scope: "owner = $1 AND room = $2",
    scopeArgs: 2,
  });
  return {
    async listRooms(owner) {
      await writer.barrier();
      const rows =
        owner === undefined
          ? await read<RoomRow>(pool, `SELECT ${ROOM_COLUMNS} FROM rooms ORDER BY owner, room`)
          : await read<RoomRow>(
              pool,
              `SELECT ${ROOM_COLUMNS} FROM rooms WHERE owner = $1 ORDER BY room`,
              [owner],
            );
      return rows.map(toRecord);
    },
    putRoom: (r) =>
      writer.transaction(async (client) => {
        await client.query(
          `INSERT INTO rooms (owner, room, nick, password, joined_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (owner, room) DO UPDATE SET nick = excluded.nick, password = excluded.password`,
          [r.owner, r.room, r.nick, r.password ?? null, r.joinedAt],
        );
      }),
    deleteRoom: (owner, room) =>
      writer.transaction(
        async (client) =>
          ((await client.query("DELETE FROM rooms WHERE owner = $1 AND room = $2", [owner, room]))
            .rowCount ?? 0) > 0,
      ),
    appendRoomMessage: (input) => writer.enqueue({ kind: "room", input }) as Promise<RoomMessage>,
    async pageRoomMessages(owner, room, query): Promise<RoomMessagePage> {
      await writer.barrier();
      const { rows, hasOlder, hasNewer } = await pageMessages([owner, room], query);
      return { messages: rows.map(toMessage), hasOlder, hasNewer };
    },
  };
}
