/**
 * What an account knows of the people it talks to (README, "Accounts", "Contacts" and
 * "Conversations"), kept so a restart starts from it: the roster as the server last gave it
 * (RFC 6121 §2) with its version (XEP-0237 / RFC 6121 §2.6: a reconnect asks only for what
 * changed), the subscription requests not yet answered (§3.1.3), and the conversations with
 * their last message and what is unread (XEP-0333 displayed markers). Kept by owner id.
 */

import type { RosterItem } from "../stanza/roster.js";

export { SUBSCRIPTION_STATES, type SubscriptionState } from "../stanza/roster.js";

/** A contact as its roster item says (RFC 6121 §2.1.2). */
export type ContactRecord = RosterItem;

export interface RosterRecord {
  /** The roster version the server gave with these contacts; undefined where it has none. */
  readonly version: string | undefined;
  readonly contacts: readonly ContactRecord[];
}

export interface SubscriptionRequestRecord {
  /** Who asks to see the account's presence (bare JID). */
  readonly jid: string;
  /** When it arrived (ms). */
  readonly time: number;
  /** The text the request came with (<status/>), if any. */
  readonly status?: string | undefined;
}

export interface ConversationMessage {
  /** The id markers name (XEP-0333: the message's id; in a room, the room's stanza-id). */
  readonly id: string;
  /** The account's archive id for it (XEP-0359), where known. */
  readonly archiveId?: string | undefined;
  /** ms. */
  readonly time: number;
  readonly from: string;
  readonly body: string;
}

/** An unread message as a marker may name it. */
export interface UnreadId {
  readonly id: string;
  readonly archiveId?: string | undefined;
}

export interface ConversationRecord {
  /** The peer's bare JID, or the room's. */
  readonly with: string;
  readonly kind: "chat" | "groupchat";
  readonly last: ConversationMessage;
  /** Incoming messages after the last displayed marker the account sent. */
  readonly unread: number;
  /**
   * The ids (message id, and archive id where known) of the newest unread messages, oldest
   * first, bounded: what a later marker is matched against.
   */
  readonly unreadIds: readonly UnreadId[];
  /** The id of the last message the account marked displayed. */
  readonly displayedId?: string | undefined;
}

export interface ContactStore {
  /** The kept roster (empty, without a version, when nothing is kept). */
  getRoster(owner: string): Promise<RosterRecord>;
  /** Replaces the whole roster (a full roster result, RFC 6121 §2.1.3). */
  replaceRoster(owner: string, roster: RosterRecord): Promise<void>;
  /** One roster push (§2.1.6): the contact added or changed, or removed (`remove`). */
  updateRoster(
    owner: string,
    version: string | undefined,
    change: { readonly contact: ContactRecord } | { readonly remove: string },
  ): Promise<void>;
  listSubscriptionRequests(owner: string): Promise<SubscriptionRequestRecord[]>;
  /** Adds a request, or replaces the one from the same JID. */
  putSubscriptionRequest(owner: string, request: SubscriptionRequestRecord): Promise<void>;
  deleteSubscriptionRequest(owner: string, jid: string): Promise<void>;
  /** Every conversation of the owner (any order). */
  listConversations(owner: string): Promise<ConversationRecord[]>;
  /** Adds a conversation, or replaces the one with the same `with`. */
  putConversation(owner: string, conversation: ConversationRecord): Promise<void>;
}
