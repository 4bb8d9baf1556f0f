import type pg from "pg";
import type {
  FoundRoomMessage,
  RoomMessage,
  RoomMessagePage,
  RoomRecord,
  RoomStore,
} from "../rooms.js";
import { keysetPager } from "./keyset-page.js";
import { ROOM_MESSAGE_COLUMNS, type RoomMessageRow, toRoomMessage } from "./message-rows.js";
import { read, readOne } from "./query.js";
import type { PgWriter } from "./writer.js";

interface RoomRow {
  owner: string;
  room: string;
  nick: string;
  password: string | null;
  joined_at: string;
}

const toRecord = (row: RoomRow): RoomRecord => ({
  owner: row.owner,
  room: row.room,
  nick: row.nick,
  ...(row.password === null ? {} : { password: row.password }),
  joinedAt: Number(row.joined_at),
});

const ROOM_COLUMNS = "owner, room, nick, password, joined_at::text AS joined_at";

/** The rooms part of the PostgreSQL store. */
export function createPgRooms(pool: pg.Pool, writer: PgWriter): RoomStore {
  const pageMessages = keysetPager<RoomMessageRow>(pool, {
    table: "room_messages",
    columns: ROOM_MESSAGE_COLUMNS,
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
      return { messages: rows.map(toRoomMessage), hasOlder, hasNewer };
    },
    async findRoomMessage(owner, messageId): Promise<FoundRoomMessage | undefined> {
      await writer.barrier();
      // `message_id <> ''` lets PostgreSQL use the partial index.
      const row = await readOne<RoomMessageRow & { room: string }>(
        pool,
        `SELECT ${ROOM_MESSAGE_COLUMNS}, room FROM room_messages
         WHERE owner = $1 AND message_id = $2 AND message_id <> '' ORDER BY id DESC LIMIT 1`,
        [owner, messageId],
      );
      return row && { ...toRoomMessage(row), room: row.room };
    },
    // Fenced as the room's messages are: what the link holder hears in the room.
    amendRoomMessage: (owner, room, target, change) =>
      writer.enqueue({ kind: "amend-room", owner, room, target, change }) as Promise<boolean>,
  };
}
