import type { MessageChange } from "../history.js";

/**
 * The `body`, `edited_at` and `deleted_at` values of an UPDATE that applies a change (null
 * keeps the column): a correction sets the latest body and its time, a retraction empties the
 * body and records when.
 */
export function changeArgs(change: MessageChange): [string | null, number | null, number | null] {
  return change.kind === "edit" ? [change.body, change.time, null] : ["", null, change.time];
}
