/**
 * XEP-0444 §3.2: each reaction is one emoji. "One emoji" is a single Unicode emoji
 * sequence as Unicode's emoji data lists them (`\p{RGI_Emoji}`: a base, a modifier, a ZWJ
 * sequence, a flag, a keycap), so what a client shows as one glyph and nothing else.
 */
import { unprocessable } from "../stanza/errors.js";

// The `v` flag (Node 20) is newer than the language level tsc checks against: built at run time.
// biome-ignore lint/complexity/useRegexLiterals: a literal with the v flag does not type-check here
const SINGLE_EMOJI = new RegExp("^\\p{RGI_Emoji}$", "v");
/** More than any client offers at once; a bound on what one request may carry. */
export const MAX_REACTIONS = 20;

/** The reactions as strings, each one emoji sequence, without repeats; 422 naming the first bad one. */
export function checkReactions(value: readonly unknown[]): string[] {
  if (value.length > MAX_REACTIONS) {
    throw unprocessable(`reactions: at most ${MAX_REACTIONS}`);
  }
  const seen = new Set<string>();
  value.forEach((reaction, i) => {
    if (typeof reaction !== "string" || !SINGLE_EMOJI.test(reaction)) {
      throw unprocessable(
        `reactions[${i}]: expected a single emoji (one Unicode emoji sequence), got ${JSON.stringify(reaction)?.slice(0, 40)}`,
      );
    }
    seen.add(reaction);
  });
  return [...seen];
}
