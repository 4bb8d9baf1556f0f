/**
 * What rooms (XEP-0045) need from the store: the rooms each owner is in (so they are
 * re-joined after a reconnect or a restart) and the messages said in them while the owner
 * was there. Kept by owner id (src/owner.ts).
 */
import type { MessageChange } from "./history.js";

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
  /**
   * The id the API hands out for it (stanza/message-ids.ts): the room's stanza-id, or for the
   * owner's own message the origin-id it was sent with.
   */
  readonly messageId?: string | undefined;
  /** The sender's own id (origin-id, else `id`): what its corrections name (XEP-0308). */
  readonly originId?: string | undefined;
  /** The id the room stamped on it (XEP-0359): what reactions, replies and moderation name. */
  readonly stanzaId?: string | undefined;
  /** The room's reflection of the owner's own message. */
  readonly own?: boolean | undefined;
}

export interface RoomMessage extends Omit<RoomMessageInput, "owner" | "room"> {
  readonly id: string;
  /** When it was last corrected (ms); `body` is then the latest text. */
  readonly editedAt?: number;
  /** When it was retracted or moderated (ms); `body` is then "". */
  readonly deletedAt?: number;
}

/** A room message found by its API id, with its room. */
export interface FoundRoomMessage extends RoomMessage {
  readonly room: string;
}

/**
 * Which room message a change is for: by the API id, the sender's own id (a correction,
 * XEP-0308) or the room's stanza-id (a retraction, XEP-0424; a moderation, XEP-0425). With
 * `nick`, only that occupant's message matches: only its sender may correct or retract it.
 */
export interface RoomMessageTarget {
  readonly by: "message" | "origin" | "stanza";
  readonly id: string;
  readonly nick?: string | undefined;
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
  /** The owner's newest room message with this API id (any room), if it is still kept. */
  findRoomMessage(owner: string, messageId: string): Promise<FoundRoomMessage | undefined>;
  /** As HistoryStore.amendHistory, for a message said in one of the owner's rooms. */
  amendRoomMessage(
    owner: string,
    room: string,
    target: RoomMessageTarget,
    change: MessageChange,
  ): Promise<boolean>;
}
