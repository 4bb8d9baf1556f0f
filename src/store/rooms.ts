/**
 * What rooms (XEP-0045) need from the store: the rooms each bot has joined (so it
 * re-joins them after a reconnect or a restart) and the messages said in them while
 * the bot was there. Same rules as ./bots.ts: no SQL crosses this line, every
 * method is asynchronous, ids are decimal strings of increasing integers.
 */

/** A room a bot is in, as kept across restarts. */
export interface RoomRecord {
  /** The bot's name. */
  readonly bot: string;
  /** The room's bare JID, normalised. */
  readonly room: string;
  readonly nick: string;
  readonly password?: string | undefined;
  /** RFC 3339, when the bot first joined. */
  readonly joinedAt: string;
}

/** One groupchat message to keep (the room's reflection of the bot's own included). */
export interface RoomMessageInput {
  readonly bot: string;
  readonly room: string;
  /** The sender's nick in the room ("" for the room itself). */
  readonly nick: string;
  /** The full `from` (room@service/nick). */
  readonly from: string;
  readonly body: string;
  /** The whole stanza as XML. */
  readonly stanza: string;
  /** RFC 3339, when the bridge received it. */
  readonly time: string;
}

export interface RoomMessage extends Omit<RoomMessageInput, "bot" | "room"> {
  readonly id: string;
}

export interface RoomMessageQuery {
  /** Messages older than this id (the next page back). */
  readonly before?: string | undefined;
  /** Messages newer than this id (the next page forward). */
  readonly after?: string | undefined;
  readonly limit: number;
}

export interface RoomMessagePage {
  /** Newest first. */
  readonly messages: readonly RoomMessage[];
  /** Whether the store holds older messages of this room than the oldest on the page. */
  readonly hasOlder: boolean;
  /** Whether it holds newer ones than the newest on the page. */
  readonly hasNewer: boolean;
}

export interface RoomStore {
  /** Every bot's rooms (bot given: that bot's), by bot then room. */
  listRooms(bot?: string): Promise<RoomRecord[]>;
  /** Adds the room, or updates its nick and password. */
  putRoom(room: RoomRecord): Promise<void>;
  /** False when the bot was not in it. Its messages stay (history outlives a leave). */
  deleteRoom(bot: string, room: string): Promise<boolean>;
  appendRoomMessage(message: RoomMessageInput): Promise<RoomMessage>;
  pageRoomMessages(bot: string, room: string, query: RoomMessageQuery): Promise<RoomMessagePage>;
}
