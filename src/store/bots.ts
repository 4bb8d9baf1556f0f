/**
 * The bot registry's own table: bots made through the admin API (the config file's live in
 * memory). Kept by name; everything a bot has elsewhere in the store (its stream, history,
 * rooms) is kept by its owner id (src/owner.ts).
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
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface BotStore {
  listBots(): Promise<BotRecord[]>;
  getBot(name: string): Promise<BotRecord | undefined>;
  putBot(bot: BotRecord): Promise<void>;
  /**
   * Deletes the bot and, in the same commit, what its owner id (`owner`) has in the store:
   * its stream's events (but those still waiting for a webhook delivery), position, history,
   * rooms, room messages and commands. False when there was no such bot.
   */
  deleteBot(name: string, owner: string): Promise<boolean>;
}
