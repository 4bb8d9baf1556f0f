/**
 * One-to-one message history: messages with a body an owner sent or received, paged newest
 * first by id (ids increase), optionally with one peer only.
 */

import type { PageFlags, PageQuery } from "./paging.js";

/** Which way a message went, seen from its owner: one list, the API's enum derives from it. */
export const DIRECTIONS = ["in", "out"] as const;
export type Direction = (typeof DIRECTIONS)[number];

export interface HistoryInput {
  /** The owner id (src/owner.ts). */
  readonly owner: string;
  readonly direction: Direction;
  /** The other side's bare JID: what `with` matches. */
  readonly peer: string;
  readonly from: string;
  readonly to: string;
  readonly type: string;
  readonly body: string;
  readonly stanza: string;
  /** Milliseconds since the epoch, when the bridge received or sent it. */
  readonly time: number;
  /**
   * The id the API hands out for the message (stanza/message-ids.ts): what edits, deletions,
   * reactions and replies name it by. Absent for a message without one.
   */
  readonly messageId?: string | undefined;
}

export interface HistoryEntry extends Omit<HistoryInput, "owner" | "peer"> {
  readonly id: string;
  /** When the message was last corrected (ms); `body` is then the latest text. */
  readonly editedAt?: number;
  /** When the message was retracted (ms); `body` is then "". */
  readonly deletedAt?: number;
}

/** A history message found by its API id, with the conversation it belongs to. */
export interface FoundHistoryMessage extends HistoryEntry {
  /** The other side's bare JID. */
  readonly peer: string;
}

/** What a correction or a retraction does to a kept message. */
export type MessageChange =
  | { readonly kind: "edit"; readonly body: string; readonly time: number }
  | { readonly kind: "delete"; readonly time: number };

/**
 * The message a change is for: its API id, and who may change it (XEP-0308 §5 and XEP-0424:
 * only its sender, so the direction and the conversation must match too).
 */
export interface HistoryTarget {
  readonly messageId: string;
  readonly direction: Direction;
  /** The other side's bare JID. */
  readonly peer: string;
}

export interface HistoryQuery extends PageQuery {
  /** Only with this bare JID (the flags then count only its entries too). */
  readonly with?: string | undefined;
}

export interface HistoryPage extends PageFlags {
  /** Newest first. */
  readonly entries: readonly HistoryEntry[];
}

export interface HistoryStore {
  /** Committed with the other appends of the same event-loop turn. */
  appendHistory(entry: HistoryInput): Promise<HistoryEntry>;
  /** With only `after`: the entries right after it (paging forward); else the newest in range. */
  pageHistory(owner: string, query: HistoryQuery): Promise<HistoryPage>;
  /** The owner's newest message with this API id, if it is still kept. */
  findHistoryMessage(owner: string, messageId: string): Promise<FoundHistoryMessage | undefined>;
  /**
   * Applies a correction (the latest body, edited now) or a retraction (no body, deleted now)
   * to the target; false when no message of the owner matches it. A retracted message stays
   * retracted. Committed with the other appends of the turn.
   */
  amendHistory(owner: string, target: HistoryTarget, change: MessageChange): Promise<boolean>;
}
