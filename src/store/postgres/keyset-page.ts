import type pg from "pg";
import { read } from "./query.js";

/** A page request by id: older than `before`, newer than `after`, at most `limit` rows. */
export interface KeysetQuery {
  readonly before?: string | undefined;
  readonly after?: string | undefined;
  readonly limit: number;
}

export interface KeysetPage<Row> {
  /** Newest first. */
  readonly rows: Row[];
  readonly hasOlder: boolean;
  readonly hasNewer: boolean;
}

/** Ids are positive bigints: these stand for "no bound". */
const NO_LOWER_BOUND = "0";
const NO_UPPER_BOUND = "9223372036854775807";

/**
 * Newest-first pages of a table's rows within one scope (`scope`: SQL conditions on $1..$n,
 * e.g. "owner = $1 AND room = $2"), keyed by id, as ../sqlite/keyset-page.ts does. With only
 * `after`, the page is the rows right after it (paging forward); otherwise the newest in range.
 */
export function keysetPager<Row extends { id: string }>(
  pool: pg.Pool,
  from: {
    readonly table: string;
    readonly columns: string;
    readonly scope: string;
    readonly scopeArgs: number;
  },
): (scopeArgs: readonly unknown[], query: KeysetQuery) => Promise<KeysetPage<Row>> {
  const n = from.scopeArgs;
  const range = (order: "ASC" | "DESC") =>
    `SELECT ${from.columns} FROM ${from.table} WHERE ${from.scope}
     AND id > $${n + 1} AND id < $${n + 2} ORDER BY ${from.table}.id ${order} LIMIT $${n + 3}`;
  const exists = (op: "<" | ">") =>
    `SELECT 1 AS n FROM ${from.table} WHERE ${from.scope} AND id ${op} $${n + 1} LIMIT 1`;

  return async (scopeArgs, query) => {
    const after = query.after ?? NO_LOWER_BOUND;
    const before = query.before ?? NO_UPPER_BOUND;
    const forward = query.after !== undefined && query.before === undefined;
    const args = [...scopeArgs, after, before, query.limit];
    const rows = forward
      ? (await read<Row>(pool, range("ASC"), args)).reverse()
      : await read<Row>(pool, range("DESC"), args);
    const newest = rows[0];
    const oldest = rows[rows.length - 1];
    const any = async (op: "<" | ">", id: string) =>
      (await read(pool, exists(op), [...scopeArgs, id])).length > 0;
    return {
      rows,
      hasOlder: oldest !== undefined && (await any("<", oldest.id)),
      hasNewer: newest !== undefined && (await any(">", newest.id)),
    };
  };
}
