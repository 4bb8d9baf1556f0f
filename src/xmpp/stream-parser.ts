import xml from "@xmpp/xml";

/**
 * Largest piece handed to xmpp.js's parser at once. Its text and attribute states look for
 * the next `<` (or quote) from every position up to the end of what it was given, so one
 * write whose tail is a long text costs the square of that tail: a 64 KiB TCP read of
 * `&amp;`s blocked the loop for ~25 ms, a 512 KiB stanza for ~150-270 ms. Pieces of 2 KiB
 * keep each scan short (512 KiB then parses in ~40 ms) and leave ordinary reads, which are
 * small, untouched.
 */
const PIECE_CHARS = 2048;

/** xmpp.js's stream parser fed in bounded pieces, so a large stanza costs linear time. */
export class BoundedParser extends xml.Parser {
  override write(data: string): void {
    if (data.length <= PIECE_CHARS) {
      super.write(data);
      return;
    }
    for (let at = 0; at < data.length; at += PIECE_CHARS)
      super.write(data.slice(at, at + PIECE_CHARS));
  }
}
