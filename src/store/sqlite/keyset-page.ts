import type Database from "better-sqlite3";

/** A page request by id: older than `before`, newer than `after`, at most `limit` rows. */
export interface KeysetQuery {
  readonly before?: string | undefined;
  readonly after?: string | undefined;
  readonly limit: number;
}

export interface KeysetPage<Row> {
  /** Newest first. */
  readonly rows: Row[];
  /** Whether the scope holds rows older than the oldest on the page. */
  readonly hasOlder: boolean;
  /** Whether it holds rows newer than the newest on the page. */
  readonly hasNewer: boolean;
}

type Args = (string | number)[];

// Ids are SQLite rowids (positive 64-bit integers): 0 and MAX_SAFE_INTEGER stand for "no bound".
const NO_LOWER_BOUND = 0;
const NO_UPPER_BOUND = Number.MAX_SAFE_INTEGER;

/**
 * Newest-first pages of a table's rows within one scope (`scope`: SQL conditions with
 * placeholders, e.g. "owner = ? AND room = ?"), keyed by id. With only `after`, the page is
 * the rows right after it (paging forward); otherwise the newest rows in range. Every
 * statement is prepared once, here.
 */
export function keysetPager<Row extends { id: number }>(
  db: Database.Database,
  from: { readonly table: string; readonly columns: string; readonly scope: string },
): (scopeArgs: readonly (string | number)[], query: KeysetQuery) => KeysetPage<Row> {
  const range = (order: "ASC" | "DESC") =>
    db.prepare<Args, Row>(
      `SELECT ${from.columns} FROM ${from.table}
       WHERE ${from.scope} AND id > ? AND id < ? ORDER BY id ${order} LIMIT ?`,
    );
  const exists = (condition: string) =>
    db.prepare<Args, { n: number }>(
      `SELECT 1 AS n FROM ${from.table} WHERE ${from.scope} AND ${condition} LIMIT 1`,
    );
  const newestFirst = range("DESC");
  const oldestFirst = range("ASC");
  const anyBelow = exists("id < ?");
  const anyAbove = exists("id > ?");

  return (scopeArgs, query) => {
    const after = query.after === undefined ? NO_LOWER_BOUND : Number(query.after);
    const before = query.before === undefined ? NO_UPPER_BOUND : Number(query.before);
    const forward = query.after !== undefined && query.before === undefined;
    const rows = forward
      ? oldestFirst.all(...scopeArgs, after, before, query.limit).reverse()
      : newestFirst.all(...scopeArgs, after, before, query.limit);
    const newest = rows[0];
    const oldest = rows[rows.length - 1];
    return {
      rows,
      hasOlder: oldest !== undefined && anyBelow.get(...scopeArgs, oldest.id) !== undefined,
      hasNewer: newest !== undefined && anyAbove.get(...scopeArgs, newest.id) !== undefined,
    };
  };
}
