import type pg from "pg";
import { storeError } from "./connect.js";

/** A read on the pool; the database being away becomes a StoreUnavailableError (503). */
export async function read<R extends pg.QueryResultRow>(
  pool: pg.Pool,
  sql: string,
  values: unknown[] = [],
): Promise<R[]> {
  try {
    return (await pool.query<R>(sql, values)).rows;
  } catch (err) {
    throw storeError(err);
  }
}

/** The first row of a read, if any. */
export async function readOne<R extends pg.QueryResultRow>(
  pool: pg.Pool,
  sql: string,
  values: unknown[] = [],
): Promise<R | undefined> {
  return (await read<R>(pool, sql, values))[0];
}
