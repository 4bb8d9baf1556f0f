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
}

export interface HistoryEntry extends Omit<HistoryInput, "owner" | "peer"> {
  readonly id: string;
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
}
