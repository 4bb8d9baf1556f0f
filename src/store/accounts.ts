/**
 * The accounts the operator keeps online (README, "Accounts"): existing XMPP accounts the
 * bridge logs in to as a client. Kept by bare JID; everything an account has elsewhere in
 * the store (its stream, history, rooms) is kept by its owner id (src/owner.ts).
 */
import type { BotWebhook } from "./bots.js";

export interface AccountRecord {
  /** The bare JID, normalised (RFC 7622). */
  readonly jid: string;
  /**
   * The login secrets, sealed by the caller (AES-256-GCM with the operator's key): the
   * password, or the server's SCRAM salted keys. The store never sees them in the clear.
   */
  readonly credentials: string;
  /** Where and how to connect, and what to say (JSON the accounts layer reads). */
  readonly settings: string;
  readonly webhook?: BotWebhook | undefined;
  /** Hex SHA-256 digests of the account's tokens; tokens themselves are never stored. */
  readonly tokenHashes: readonly string[];
  /** The newest archive id (XEP-0313 / XEP-0359 stanza-id) the bridge has seen: where catch-up starts. */
  readonly lastArchiveId?: string | undefined;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface AccountStore {
  listAccounts(): Promise<AccountRecord[]>;
  getAccount(jid: string): Promise<AccountRecord | undefined>;
  putAccount(account: AccountRecord): Promise<void>;
  /** Replaces the sealed credentials (the password dropped for SCRAM keys, or new keys). */
  setAccountCredentials(jid: string, credentials: string): Promise<void>;
  /** Moves the account's last archive id (committed with the other writes of the turn). */
  setAccountArchiveId(jid: string, archiveId: string): Promise<void>;
  /**
   * Deletes the account and, in the same commit, what its owner id has in the store (as
   * deleteBot does). False when there was no such account.
   */
  deleteAccount(jid: string, owner: string): Promise<boolean>;
}
