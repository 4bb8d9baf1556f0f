import { openPostgresStore } from "./postgres/index.js";
import { openSqliteStore } from "./sqlite/index.js";
import type { Store, StoreSettings, StoreTuning } from "./types.js";

export type * from "./accounts.js";
export type * from "./bots.js";
export type * from "./cluster.js";
export type * from "./commands.js";
export * from "./contacts.js";
export * from "./deliveries.js";
export {
  FencedError,
  StoreFullError,
  StoreOpenError,
  StoreUnavailableError,
} from "./errors.js";
export type * from "./events.js";
export type * from "./history.js";
export { compareIds, isId } from "./ids.js";
export type * from "./rooms.js";
export type * from "./types.js";

/** `XMPP_REST_STORE` forms that name a PostgreSQL database (libpq's URI schemes). */
const POSTGRES = /^postgres(ql)?:\/\//i;

/**
 * Opens the store `XMPP_REST_STORE` names, choosing the implementation from its form: a file
 * path or ":memory:" is the embedded SQLite store (one process); a `postgres://` or
 * `postgresql://` URI a PostgreSQL database several processes share (`settings` apply to it).
 * Rejects with StoreOpenError (one line for the user, never a password) when the store cannot
 * be used.
 */
export async function openStore(
  location: string,
  tuning: StoreTuning = {},
  settings: StoreSettings = {},
): Promise<Store> {
  if (POSTGRES.test(location)) return openPostgresStore(location, tuning, settings);
  return openSqliteStore(location, tuning);
}

/** Whether `XMPP_REST_STORE` names a database server (several processes may share it). */
export function isServerStore(location: string): boolean {
  return POSTGRES.test(location);
}
