/**
 * What bots, pull streams and history need from the store. The rest of the code
 * sees only this interface (no SQL, no SQLite types), so another implementation
 * (PostgreSQL, for several bridge processes) can stand in. Every method is
 * asynchronous for that reason, even where the embedded store answers at once.
 *
 * Event and history ids are decimal strings of increasing integers: ids of one
 * bot only ever grow, so "after=ID" is a position in its log.
 */

/** A bot's webhook settings: the same options as the global callback, per bot. */
export interface BotWebhook {
  readonly url: string;
  readonly secret?: string | undefined;
  readonly token?: string | undefined;
  readonly contentType?: string | undefined;
}

export interface BotRecord {
  /** The localpart of the bot's address, normalised (RFC 7622 §3.3). */
  readonly name: string;
  /** Hex SHA-256 digests of the bot's tokens; tokens themselves are never stored. */
  readonly tokenHashes: readonly string[];
  readonly webhook?: BotWebhook | undefined;
  /** Accept room invitations (XEP-0045 §7.8.2, XEP-0249) by joining. */
  readonly autoJoinOnInvite?: boolean | undefined;
  /** RFC 3339. */
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** One inbound stanza in a bot's log, as the XML text it arrived as. */
export interface LogEvent {
  readonly id: string;
  /** RFC 3339, when the bridge received it. */
  readonly time: string;
  readonly stanza: string;
}

export type Direction = "in" | "out";

export interface HistoryInput {
  readonly bot: string;
  readonly direction: Direction;
  /** The other side's bare JID: what `with=` matches. */
  readonly peer: string;
  readonly from: string;
  readonly to: string;
  readonly type: string;
  readonly body: string;
  readonly stanza: string;
  readonly time: string;
}

export interface HistoryEntry extends Omit<HistoryInput, "bot" | "peer"> {
  readonly id: string;
}

export interface HistoryQuery {
  readonly with?: string | undefined;
  /** Entries older than this id (the next page back). */
  readonly before?: string | undefined;
  /** Entries newer than this id (the next page forward). */
  readonly after?: string | undefined;
  readonly limit: number;
}

export interface HistoryPage {
  /** Newest first. */
  readonly entries: readonly HistoryEntry[];
  /** Whether older entries than the oldest on this page exist (for `with`, if given). */
  readonly hasOlder: boolean;
  /** Whether newer entries than the newest on this page exist. */
  readonly hasNewer: boolean;
}

export interface BotStore {
  listBots(): Promise<BotRecord[]>;
  getBot(name: string): Promise<BotRecord | undefined>;
  putBot(bot: BotRecord): Promise<void>;
  /** Also forgets the bot's events, position, history and rooms. False when there was no such bot. */
  deleteBot(name: string): Promise<boolean>;

  /** Commits an inbound stanza to the bot's log and wakes its watchers. */
  appendBotEvent(bot: string, stanza: string, time: string): Promise<LogEvent>;
  /** Events with ids greater than `after`, oldest first, at most `limit`. */
  readBotEvents(bot: string, after: string, limit: number): Promise<LogEvent[]>;
  /** The id of the newest event in the bot's log ("0" when empty). */
  lastBotEventId(bot: string): Promise<string>;
  /** Calls `listener` after each append to the bot's log; returns the unsubscribe function. */
  watchEvents(bot: string, listener: () => void): () => void;

  /** The bot's acknowledged position (Telegram's offset): "0" when nothing was acknowledged. */
  ackedEventId(bot: string): Promise<string>;
  /** Moves the acknowledged position forward (never back). */
  acknowledge(bot: string, id: string): Promise<void>;

  appendHistory(entry: HistoryInput): Promise<HistoryEntry>;
  pageHistory(bot: string, query: HistoryQuery): Promise<HistoryPage>;

  /** Deletes events, history and room messages older than `before` (RFC 3339), at most `batch` rows; returns how many. */
  pruneBots(before: string, batch: number): Promise<number>;
}

/** Ids are decimal integers; compares them without the precision limits of Number past 2^53. */
export function compareIds(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A valid event or history id: a decimal integer without sign or leading zeros (0 allowed). */
export function isId(text: string): boolean {
  return /^(0|[1-9][0-9]{0,17})$/.test(text);
}
