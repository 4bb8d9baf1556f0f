import { openSqliteStore, type SqliteOptions } from "./sqlite.js";
import type { Store } from "./types.js";

export { StoreFullError, StoreOpenError } from "./errors.js";
export { MEMORY } from "./sqlite.js";
export * from "./types.js";

/**
 * Opens the configured store: today always the embedded SQLite file. A database
 * server implementation of the same interface would be chosen here.
 */
export function openStore(location: string, options: SqliteOptions = {}): Store {
  return openSqliteStore(location, options);
}
