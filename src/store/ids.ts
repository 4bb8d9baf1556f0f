/**
 * Every id the store hands out (events, deliveries, history, room messages) is a decimal
 * string of an increasing integer: "after=ID" is a position in a log, and an implementation
 * over a database server can use 64-bit keys without the precision limits of Number.
 */

/** Compares two ids without the precision limits of Number past 2^53. */
export function compareIds(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A valid id: a decimal integer without sign or leading zeros (0 allowed, meaning "before all"). */
export function isId(text: string): boolean {
  return /^(0|[1-9][0-9]{0,17})$/.test(text);
}
