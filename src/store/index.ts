import { StoreOpenError } from "./errors.js";
import { openSqliteStore } from "./sqlite/index.js";
import type { Store, StoreTuning } from "./types.js";

export type * from "./accounts.js";
export type * from "./bots.js";
export type * from "./commands.js";
export * from "./contacts.js";
export * from "./deliveries.js";
export { StoreFullError, StoreOpenError } from "./errors.js";
export type * from "./events.js";
export type * from "./history.js";
export { compareIds, isId } from "./ids.js";
export type * from "./rooms.js";
export type * from "./types.js";

/** `XMPP_REST_STORE` forms that name a PostgreSQL database (libpq's URI schemes). */
const POSTGRES = /^postgres(ql)?:\/\//i;

/**
 * Opens the store `XMPP_REST_STORE` names, choosing the implementation from its form: a file
 * path or ":memory:" is the embedded SQLite store; a `postgres://` or `postgresql://` URI a
 * PostgreSQL database. Rejects with StoreOpenError (one line for the user) when the store
 * cannot be used.
 */
export async function openStore(location: string, tuning: StoreTuning = {}): Promise<Store> {
  if (POSTGRES.test(location)) {
    // The URI may carry a password: the line names the form only.
    throw new StoreOpenError(
      "store postgres://…: PostgreSQL store not available yet (use a file path for XMPP_REST_STORE)",
    );
  }
  return openSqliteStore(location, tuning);
}
