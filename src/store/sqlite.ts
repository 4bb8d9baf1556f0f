import { randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import { StoreFullError, StoreOpenError } from "./errors.js";
import { MIGRATIONS, SCHEMA_VERSION } from "./migrations.js";
import { createBatcher } from "./sqlite-batch.js";
import { createSqliteBotStore } from "./sqlite-bots.js";
import { createSqliteRoomStore } from "./sqlite-rooms.js";
import type {
  AppendedEvent,
  Backlog,
  Delivery,
  DeliveryQuery,
  DeliveryState,
  DeliveryUpdate,
  NewEvent,
  Store,
  StoredEvent,
} from "./types.js";

export const MEMORY = ":memory:";

export interface SqliteOptions {
  /**
   * SQLite's `synchronous`: FULL syncs the write-ahead log on every commit, so a
   * committed stanza survives a power cut, not only a crash of the process.
   */
  readonly synchronous?: "FULL" | "NORMAL";
  /** Caps the file's size in pages: lets tests run out of room for real. */
  readonly maxPageCount?: number;
}

interface DeliveryRow {
  id: number;
  stream: string;
  time: number;
  kind: string;
  stanza: string;
  conversation: string;
  state: DeliveryState;
  attempts: number;
  next_attempt_at: number;
  updated_at: number;
  last_error: string | null;
}

const DELIVERY_COLUMNS = `
  e.id, e.stream, e.time, e.kind, e.stanza, d.conversation, d.state, d.attempts,
  d.next_attempt_at, d.updated_at, d.last_error`;

/** The one-line reason an open failed, without SQLite's stack. */
function openFailure(location: string, err: unknown): StoreOpenError {
  const e = err as { code?: string; message?: string };
  const reason = e?.message ?? String(err);
  const hint =
    e?.code === "SQLITE_NOTADB" || e?.code === "SQLITE_CORRUPT"
      ? "the file is not a usable xmpp-rest store (corrupt, or another kind of file)"
      : e?.code === "SQLITE_BUSY"
        ? "another process holds the store (is another xmpp-rest running on it?)"
        : e?.code === "SQLITE_CANTOPEN" ||
            e?.code === "SQLITE_READONLY" ||
            e?.code?.startsWith("SQLITE_IOERR")
          ? "the file or its directory is not writable"
          : undefined;
  return new StoreOpenError(`store ${location}: ${hint ? `${hint} (${reason})` : reason}`, {
    cause: err,
  });
}

function isFull(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return code === "SQLITE_FULL";
}

/**
 * Opens (creating if needed) and migrates a SQLite store. Throws StoreOpenError with
 * one line a user can act on; never leaves a half-migrated file.
 */
export function openSqliteStore(location: string, options: SqliteOptions = {}): Store {
  const volatile = location === MEMORY;
  let db: Database.Database;
  try {
    db = new Database(location, { fileMustExist: false });
  } catch (err) {
    throw openFailure(location, err);
  }
  let storeId: string;
  try {
    // Normal (shared) locking: SQLite's online backup (`sqlite3 FILE .backup ...`, see the
    // README) reads the file while the bridge runs; writers wait up to this long.
    db.pragma("busy_timeout = 2000");
    if (!volatile) db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${options.synchronous ?? "FULL"}`);
    if (options.maxPageCount !== undefined) db.pragma(`max_page_count = ${options.maxPageCount}`);
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
    storeId = (
      db.prepare("SELECT value FROM meta WHERE key = 'store-id'").get() as { value: string }
    ).value;
  } catch (err) {
    db.close();
    if (err instanceof StoreOpenError) throw err;
    throw openFailure(location, err);
  }
  return createSqliteStore(db, location, volatile, storeId, options);
}

function createSqliteStore(
  db: Database.Database,
  location: string,
  volatile: boolean,
  storeId: string,
  options: SqliteOptions,
): Store {
  const insertEvent = db.prepare<[string, number, string, string]>(
    "INSERT INTO events (stream, time, kind, stanza) VALUES (?, ?, ?, ?)",
  );
  const insertDelivery = db.prepare<[number, string, number, number]>(
    `INSERT INTO deliveries (event_id, conversation, state, next_attempt_at, updated_at)
     VALUES (?, ?, 'pending', ?, ?)`,
  );
  const setPending = db.prepare<[number, number, string, number, number]>(
    `UPDATE deliveries SET state = 'pending', attempts = ?, next_attempt_at = ?, last_error = ?,
     updated_at = ? WHERE event_id = ?`,
  );
  const setDelivered = db.prepare<[number, number, number]>(
    `UPDATE deliveries SET state = 'delivered', attempts = ?, last_error = NULL, updated_at = ?
     WHERE event_id = ?`,
  );
  const setFailed = db.prepare<[number, string, number, number]>(
    `UPDATE deliveries SET state = 'failed', attempts = ?, last_error = ?, updated_at = ?
     WHERE event_id = ?`,
  );
  const requeue = db.prepare<[number, number, number]>(
    `UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = ?, updated_at = ?
     WHERE event_id = ? AND state <> 'delivered'`,
  );
  const byId = db.prepare<[number], DeliveryRow>(
    `SELECT ${DELIVERY_COLUMNS} FROM deliveries d JOIN events e ON e.id = d.event_id
     WHERE d.event_id = ?`,
  );
  // The stream (NULL: every stream) keeps a bot's webhook to its own deliveries.
  const inState = db.prepare<
    [DeliveryState, number, string | null, string | null, number],
    DeliveryRow
  >(
    `SELECT ${DELIVERY_COLUMNS} FROM deliveries d JOIN events e ON e.id = d.event_id
     WHERE d.state = ? AND d.event_id > ? AND (? IS NULL OR e.stream = ?)
     ORDER BY d.event_id LIMIT ?`,
  );
  const inStateFor = db.prepare<
    [DeliveryState, string, number, string | null, string | null, number],
    DeliveryRow
  >(
    `SELECT ${DELIVERY_COLUMNS} FROM deliveries d JOIN events e ON e.id = d.event_id
     WHERE d.state = ? AND d.conversation = ? AND d.event_id > ? AND (? IS NULL OR e.stream = ?)
     ORDER BY d.event_id LIMIT ?`,
  );
  const events = db.prepare<[string, number, number], StoredEvent>(
    "SELECT id, stream, time, kind, stanza FROM events WHERE stream = ? AND id > ? ORDER BY id LIMIT ?",
  );
  const countPending = db.prepare<
    [string | null, string | null],
    { n: number; oldest: number | null }
  >(
    `SELECT count(*) AS n, min(e.time) AS oldest FROM deliveries d
     JOIN events e ON e.id = d.event_id WHERE d.state = 'pending' AND (? IS NULL OR e.stream = ?)`,
  );
  const countFailed = db.prepare<[string | null, string | null], { n: number }>(
    `SELECT count(*) AS n FROM deliveries d JOIN events e ON e.id = d.event_id
     WHERE d.state = 'failed' AND (? IS NULL OR e.stream = ?)`,
  );
  const finished = db.prepare<[number, number], { event_id: number }>(
    `SELECT event_id FROM deliveries WHERE state <> 'pending' AND updated_at < ?
     ORDER BY updated_at LIMIT ?`,
  );
  const deleteDelivery = db.prepare<[number]>("DELETE FROM deliveries WHERE event_id = ?");
  const deleteEvent = db.prepare<[number]>("DELETE FROM events WHERE id = ?");

  const webhookId = (id: number) => `msg_${storeId}_${id}`;

  const toDelivery = (row: DeliveryRow): Delivery => ({
    id: row.id,
    stream: row.stream,
    time: row.time,
    kind: row.kind,
    stanza: row.stanza,
    webhookId: webhookId(row.id),
    conversation: row.conversation,
    state: row.state,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    updatedAt: row.updated_at,
    lastError: row.last_error ?? undefined,
  });

  const recordOutcomes = (updates: readonly DeliveryUpdate[], now: number) => {
    for (const u of updates) {
      if (u.state === "pending")
        setPending.run(u.attempts, u.nextAttemptAt, u.lastError, now, u.id);
      else if (u.state === "delivered") setDelivered.run(u.attempts, now, u.id);
      else setFailed.run(u.attempts, u.lastError, now, u.id);
    }
  };

  const appendAll = db.transaction(
    (batch: readonly NewEvent[], now: number, outcomes: readonly DeliveryUpdate[]) => {
      recordOutcomes(outcomes, now);
      return insertAll(batch, now);
    },
  );

  const insertAll = (batch: readonly NewEvent[], now: number): AppendedEvent[] => {
    const appended: AppendedEvent[] = [];
    for (const event of batch) {
      const id = Number(
        insertEvent.run(event.stream, now, event.kind, event.stanza).lastInsertRowid,
      );
      if (event.conversation !== undefined) insertDelivery.run(id, event.conversation, now, now);
      appended.push({ id, time: now, webhookId: webhookId(id) });
    }
    return appended;
  };

  const updateAll = db.transaction(recordOutcomes);

  const pruneBatch = db.transaction((before: number, batch: number): number => {
    const rows = finished.all(before, batch);
    for (const { event_id } of rows) {
      deleteDelivery.run(event_id);
      deleteEvent.run(event_id);
    }
    return rows.length;
  });

  const synchronous = options.synchronous ?? "FULL";
  /**
   * Runs a write; a full disk becomes StoreFullError (the transaction was rolled back).
   * `relaxed`: the write only records progress (an outcome, a pruning), so it skips the
   * sync of the log: a power cut can lose it, and then a stanza is delivered again
   * (at least once, as after a crash); appends always sync. One sync per delivered
   * stanza made one conversation 10x slower on a loaded machine (see the README).
   */
  const write = <T>(run: () => T, relaxed = false): Promise<T> => {
    try {
      if (!relaxed || synchronous !== "FULL") return Promise.resolve(run());
      db.pragma("synchronous = NORMAL");
      try {
        return Promise.resolve(run());
      } finally {
        db.pragma("synchronous = FULL");
      }
    } catch (err) {
      if (isFull(err)) {
        return Promise.reject(new StoreFullError(`store ${location} is full`, { cause: err }));
      }
      return Promise.reject(err);
    }
  };
  const read = <T>(run: () => T): Promise<T> => {
    try {
      return Promise.resolve(run());
    } catch (err) {
      return Promise.reject(err);
    }
  };

  let closed = false;
  const access = { write, read, batched: createBatcher(db, write) };
  return {
    ...createSqliteBotStore(db, access),
    ...createSqliteRoomStore(db, access),
    location,
    volatile,
    append: (batch, now, outcomes = []) => write(() => appendAll(batch, now, outcomes)),
    updateDeliveries: (updates, now) => write(() => updateAll(updates, now), true),
    listDeliveries: (query: DeliveryQuery) =>
      read(() => {
        const after = query.after ?? 0;
        const stream = query.stream ?? null;
        const rows =
          query.conversation === undefined
            ? inState.all(query.state, after, stream, stream, query.limit)
            : inStateFor.all(query.state, query.conversation, after, stream, stream, query.limit);
        return rows.map(toDelivery);
      }),
    getDelivery: (id) =>
      read(() => {
        const row = byId.get(id);
        return row ? toDelivery(row) : undefined;
      }),
    requeueDelivery: (id, now) =>
      write(() => {
        if (requeue.run(now, now, id).changes === 0) return undefined;
        const row = byId.get(id);
        return row ? toDelivery(row) : undefined;
      }),
    readEvents: (stream, after, limit) => read(() => events.all(stream, after, limit)),
    backlog: (stream?: string): Promise<Backlog> =>
      read(() => {
        const only = stream ?? null;
        const pending = countPending.get(only, only) ?? { n: 0, oldest: null };
        return {
          pending: pending.n,
          oldestPendingAt: pending.oldest ?? undefined,
          failed: countFailed.get(only, only)?.n ?? 0,
        };
      }),
    prune: (before, batch) => write(() => pruneBatch(before, batch), true),
    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
