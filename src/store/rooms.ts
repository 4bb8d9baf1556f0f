/**
 * What rooms (XEP-0045) need from the store: the rooms each owner is in (so they are
 * re-joined after a reconnect or a restart) and the messages said in them while the owner
 * was there. Kept by owner id (src/owner.ts).
 */

import type { PageFlags, PageQuery } from "./paging.js";

/** A room an owner is in, as kept across restarts. */
export interface RoomRecord {
  /** The owner id. */
  readonly owner: string;
  /** The room's bare JID, normalised. */
  readonly room: string;
  readonly nick: string;
  readonly password?: string | undefined;
  /** Milliseconds since the epoch, when the owner first joined. */
  readonly joinedAt: number;
}

/** One groupchat message to keep (the room's reflection of the owner's own included). */
export interface RoomMessageInput {
  readonly owner: string;
  readonly room: string;
  /** The sender's nick in the room ("" for the room itself). */
  readonly nick: string;
  /** The full `from` (room@service/nick). */
  readonly from: string;
  readonly body: string;
  /** The whole stanza as XML. */
  readonly stanza: string;
  /** Milliseconds since the epoch, when the bridge received it. */
  readonly time: number;
}

export interface RoomMessage extends Omit<RoomMessageInput, "owner" | "room"> {
  readonly id: string;
}

export type RoomMessageQuery = PageQuery;

export interface RoomMessagePage extends PageFlags {
  /** Newest first. */
  readonly messages: readonly RoomMessage[];
}

export interface RoomStore {
  /** Every owner's rooms (owner given: that owner's), by owner then room. */
  listRooms(owner?: string): Promise<RoomRecord[]>;
  /** Adds the room, or updates its nick and password (joinedAt stays the first join's). */
  putRoom(room: RoomRecord): Promise<void>;
  /** False when the owner was not in it. Its messages stay (history outlives a leave). */
  deleteRoom(owner: string, room: string): Promise<boolean>;
  /** Committed with the other appends of the same event-loop turn. */
  appendRoomMessage(message: RoomMessageInput): Promise<RoomMessage>;
  pageRoomMessages(owner: string, room: string, query: RoomMessageQuery): Promise<RoomMessagePage>;
}
