import type Database from "better-sqlite3";
import type { Store } from "../types.js";
import { createSqliteAccounts } from "./accounts.js";
import { createSqliteBots } from "./bots.js";
import { createSqliteClaims } from "./claims.js";
import { createSqliteCommands } from "./commands.js";
import { createSqliteContacts } from "./contacts.js";
import { createSqliteDeliveries } from "./deliveries.js";
import { createSqliteEventLog } from "./events.js";
import { createHeadCache } from "./heads.js";
import { createSqliteHistory } from "./history.js";
import { createSqlitePruner } from "./prune.js";
import { createSqliteRooms } from "./rooms.js";
import { createWriter } from "./writer.js";

export interface SqliteStoreParts {
  readonly db: Database.Database;
  readonly location: string;
  readonly volatile: boolean;
  readonly storeId: string;
  readonly synchronous: "FULL" | "NORMAL";
  readonly now: () => number;
  /** Runs after the database is closed (the file lock goes last). */
  readonly closed: () => void;
}

/** The Store over an open, migrated database: its parts share one writer, so one commit per turn. */
export function createSqliteStore(parts: SqliteStoreParts): Store {
  const { db, location, volatile, storeId, now } = parts;
  const writer = createWriter(db, { location, synchronous: parts.synchronous });
  const heads = createHeadCache();
  const claims = createSqliteClaims(db, heads);
  const prune = createSqlitePruner(db);
  let closed = false;
  return {
    ...createSqliteEventLog(db, writer, heads, now),
    ...createSqliteDeliveries(db, writer, claims, heads, now),
    ...createSqliteBots(db, writer),
    ...createSqliteAccounts(db, writer),
    ...createSqliteContacts(db, writer),
    ...createSqliteHistory(db, writer),
    ...createSqliteRooms(db, writer),
    ...createSqliteCommands(db, writer),
    location,
    volatile,
    storeId,
    prune: (before, batch) => writer.write(() => prune(before, batch), true),
    async close() {
      if (closed) return;
      closed = true;
      try {
        writer.flush();
      } finally {
        db.close();
        parts.closed();
      }
    },
  };
}
