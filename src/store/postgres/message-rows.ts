import type pg from "pg";
import type { HistoryEntry, HistoryTarget, MessageChange } from "../history.js";
import type { RoomMessage, RoomMessageInput, RoomMessageTarget } from "../rooms.js";

/**
 * Kept messages as rows of the PostgreSQL store (history and room_messages, ids since
 * migration 2): the columns read, rows to the contract's shapes, and the change a correction
 * or a retraction makes, as the SQLite store does (../sqlite/message-change.ts).
 */

export interface HistoryRow {
  id: string;
  direction: "in" | "out";
  sender: string;
  recipient: string;
  type: string;
  body: string;
  stanza: string;
  time: string;
  message_id: string;
  edited_at: string | null;
  deleted_at: string | null;
}

export const HISTORY_COLUMNS =
  "id::text AS id, direction, sender, recipient, type, body, stanza, time::text AS time, " +
  "message_id, edited_at::text AS edited_at, deleted_at::text AS deleted_at";

export const toHistoryEntry = (row: HistoryRow): HistoryEntry => ({
  id: row.id,
  direction: row.direction,
  from: row.sender,
  to: row.recipient,
  type: row.type,
  body: row.body,
  stanza: row.stanza,
  time: Number(row.time),
  ...(row.message_id === "" ? {} : { messageId: row.message_id }),
  ...(row.edited_at === null ? {} : { editedAt: Number(row.edited_at) }),
  ...(row.deleted_at === null ? {} : { deletedAt: Number(row.deleted_at) }),
});

export interface RoomMessageRow {
  id: string;
  nick: string;
  sender: string;
  body: string;
  stanza: string;
  time: string;
  message_id: string;
  origin_id: string | null;
  stanza_id: string | null;
  own: boolean;
  edited_at: string | null;
  deleted_at: string | null;
}

export const ROOM_MESSAGE_COLUMNS =
  "id::text AS id, nick, sender, body, stanza, time::text AS time, message_id, origin_id, " +
  "stanza_id, own, edited_at::text AS edited_at, deleted_at::text AS deleted_at";

export const toRoomMessage = (row: RoomMessageRow): RoomMessage => ({
  id: row.id,
  nick: row.nick,
  from: row.sender,
  body: row.body,
  stanza: row.stanza,
  time: Number(row.time),
  ...(row.message_id === "" ? {} : { messageId: row.message_id }),
  ...(row.origin_id === null ? {} : { originId: row.origin_id }),
  ...(row.stanza_id === null ? {} : { stanzaId: row.stanza_id }),
  ...(row.own ? { own: true } : {}),
  ...(row.edited_at === null ? {} : { editedAt: Number(row.edited_at) }),
  ...(row.deleted_at === null ? {} : { deletedAt: Number(row.deleted_at) }),
});

/** A room message just appended, as read back later. */
export const roomMessageOf = (id: string, m: RoomMessageInput): RoomMessage =>
  toRoomMessage({
    id,
    nick: m.nick,
    sender: m.from,
    body: m.body,
    stanza: m.stanza,
    time: String(m.time),
    message_id: m.messageId ?? "",
    origin_id: m.originId ?? null,
    stanza_id: m.stanzaId ?? null,
    own: m.own === true,
    edited_at: null,
    deleted_at: null,
  });

/**
 * The `body`, `edited_at` and `deleted_at` values an UPDATE sets (null keeps the column): a
 * correction sets the latest body and its time, a retraction empties the body and says when.
 */
const changeArgs = (change: MessageChange): [string | null, number | null, number | null] =>
  change.kind === "edit" ? [change.body, change.time, null] : ["", null, change.time];

const SET_CHANGE = `body = coalesce($1, body), edited_at = coalesce($2::bigint, edited_at),
  deleted_at = coalesce($3::bigint, deleted_at)`;

/** Applies a change to the owner's one-to-one message; false when none matches (or retracted). */
export async function amendHistoryRow(
  client: pg.ClientBase,
  owner: string,
  target: HistoryTarget,
  change: MessageChange,
): Promise<boolean> {
  const { rowCount } = await client.query(
    `UPDATE history SET ${SET_CHANGE}
     WHERE owner = $4 AND message_id = $5 AND message_id <> '' AND direction = $6 AND peer = $7
       AND deleted_at IS NULL`,
    [...changeArgs(change), owner, target.messageId, target.direction, target.peer],
  );
  return (rowCount ?? 0) > 0;
}

/** The column a RoomMessageTarget names (never from input: one of three literals). */
const TARGET_COLUMNS = { message: "message_id", origin: "origin_id", stanza: "stanza_id" } as const;

/** As amendHistoryRow, for a message said in one of the owner's rooms (only `nick`'s, if given). */
export async function amendRoomRow(
  client: pg.ClientBase,
  where: { readonly owner: string; readonly room: string; readonly target: RoomMessageTarget },
  change: MessageChange,
): Promise<boolean> {
  const { owner, room, target } = where;
  const { rowCount } = await client.query(
    `UPDATE room_messages SET ${SET_CHANGE}
     WHERE owner = $4 AND room = $5 AND ${TARGET_COLUMNS[target.by]} = $6
       AND ($7::text = '' OR nick = $7) AND deleted_at IS NULL`,
    [...changeArgs(change), owner, room, target.id, target.nick ?? ""],
  );
  return (rowCount ?? 0) > 0;
}
