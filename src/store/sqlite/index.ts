import { randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import { StoreOpenError } from "../errors.js";
import type { Store, StoreTuning } from "../types.js";
import { createSqliteClaims } from "./claims.js";
import { openFailure } from "./failures.js";
import { createHeadCache } from "./heads.js";
import { lockStore, type StoreLock } from "./lock.js";
import { MIGRATIONS, SCHEMA_VERSION } from "./migrations.js";
import { createSqliteStore } from "./store.js";

/** SQLite's name for a database that lives in memory only. */
const MEMORY = ":memory:";

/**
 * Opens (creating if needed), locks and migrates a SQLite store. Throws StoreOpenError with
 * one line a user can act on; never leaves a half-migrated file.
 */
export function openSqliteStore(location: string, tuning: StoreTuning = {}): Store {
  const volatile = location === MEMORY;
  const lock: StoreLock | undefined = volatile ? undefined : lockOrExplain(location);
  let db: Database.Database;
  try {
    db = new Database(location, { fileMustExist: false });
  } catch (err) {
    lock?.release();
    throw openFailure(location, err);
  }
  const synchronous = tuning.synchronous === "normal" ? "NORMAL" : "FULL";
  let storeId: string;
  try {
    // Normal (shared) locking: SQLite's online backup (`sqlite3 FILE .backup ...`, see the
    // README) reads the file while the bridge runs; writers wait up to this long. One
    // process per file is the sidecar lock's job (./lock.ts).
    db.pragma("busy_timeout = 2000");
    if (!volatile) db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${synchronous}`);
    if (tuning.sizeLimitBytes !== undefined) {
      const pageSize = db.pragma("page_size", { simple: true }) as number;
      db.pragma(`max_page_count = ${Math.max(1, Math.floor(tuning.sizeLimitBytes / pageSize))}`);
    }
    storeId = migrate(db, location);
    // Every claim in the file is a dead process's: this one holds the lock now.
    createSqliteClaims(db, createHeadCache()).clearAll();
  } catch (err) {
    db.close();
    lock?.release();
    if (err instanceof StoreOpenError) throw err;
    throw openFailure(location, err);
  }
  return createSqliteStore({
    db,
    location,
    volatile,
    storeId,
    synchronous,
    now: tuning.now ?? Date.now,
    closed: () => lock?.release(),
  });
}

function lockOrExplain(location: string): StoreLock {
  try {
    return lockStore(location);
  } catch (err) {
    if (err instanceof StoreOpenError) throw err;
    throw openFailure(location, err);
  }
}

/** Applies the missing migrations in one transaction; returns the store's id. */
function migrate(db: Database.Database, location: string): string {
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new StoreOpenError(
      `store ${location}: written by a newer xmpp-rest (schema ${version}; this version knows up to ${SCHEMA_VERSION})`,
    );
  }
  db.transaction(() => {
    for (const migration of MIGRATIONS) {
      if (migration.version <= version) continue;
      db.exec(migration.sql);
    }
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('store-id', ?)").run(
      randomBytes(6).toString("hex"),
    );
  })();
  return (db.prepare("SELECT value FROM meta WHERE key = 'store-id'").get() as { value: string })
    .value;
}
