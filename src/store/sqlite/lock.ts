import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import Database from "better-sqlite3";
import { StoreOpenError } from "../errors.js";

export interface StoreLock {
  /** Gives the store file up (at close). */
  release(): void;
}

interface Holder {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

/**
 * One process per store file: two bridges on one file would both deliver its backlog. The
 * lock is an exclusive SQLite lock on a sidecar file `<store>.lock`, held by a connection of
 * its own for the life of the store: the operating system drops it when the process dies
 * (even by kill -9), so a stale lock never blocks a restart. The store file itself keeps
 * normal locking, so SQLite's online backup (`sqlite3 <store> .backup ...`) still reads it
 * while the bridge runs. Who holds the lock is written to `<store>.pid`, for the error line
 * of the next one; a lock file is never deleted (a process that opened it before the delete
 * would lock a file nobody else sees).
 */
export function lockStore(location: string): StoreLock {
  const lockPath = `${location}.lock`;
  const holderPath = `${location}.pid`;
  let db: Database.Database | undefined;
  try {
    // No busy wait: a held lock is an answer, not a delay.
    db = new Database(lockPath, { timeout: 0 });
    // EXCLUSIVE locking mode keeps the lock the first write takes until the connection closes.
    db.pragma("locking_mode = EXCLUSIVE");
    db.exec("BEGIN EXCLUSIVE");
    db.exec("CREATE TABLE IF NOT EXISTS held (since TEXT)");
    db.exec("DELETE FROM held");
    db.exec("COMMIT");
  } catch (err) {
    db?.close();
    if ((err as { code?: string })?.code === "SQLITE_BUSY") {
      throw new StoreOpenError(
        `store ${location}: in use by another xmpp-rest (${describe(readHolder(holderPath))}); one bridge per store file`,
      );
    }
    throw err;
  }
  const me: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  const temporary = `${holderPath}.${process.pid}`;
  writeFileSync(temporary, `${JSON.stringify(me)}\n`);
  renameSync(temporary, holderPath);
  const lock = db;
  return {
    release() {
      // The holder line goes first, while the lock still keeps the next holder from writing its own.
      if (readHolder(holderPath)?.pid === me.pid) rmSync(holderPath, { force: true });
      lock.close();
    },
  };
}

function readHolder(path: string): Holder | undefined {
  try {
    const holder = JSON.parse(readFileSync(path, "utf8")) as Partial<Holder>;
    if (typeof holder.pid !== "number" || typeof holder.host !== "string") return undefined;
    return { pid: holder.pid, host: holder.host, since: String(holder.since ?? "") };
  } catch {
    return undefined;
  }
}

function describe(holder: Holder | undefined): string {
  if (!holder) return "a process that has not said which yet";
  return `pid ${holder.pid} on ${holder.host}${holder.since ? `, since ${holder.since}` : ""}`;
}
