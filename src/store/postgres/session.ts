import { randomInt } from "node:crypto";
import pg from "pg";

/**
 * This process's own database session: one dedicated connection (never pooled, so that nothing
 * recycles it) that
 * - holds a session advisory lock of its own (`SESSION_LOCK`, `lock`): whether that lock is
 *   held (pg_locks, which every role may read) is how other processes tell this one is alive.
 *   kill -9 closes the socket, the server ends the session and the lock goes with it at once;
 * - LISTENs for the doorbells of the other processes (LISTEN/NOTIFY);
 * - runs the lease statements, so a lease's holder is this session.
 * It reconnects with backoff when the database goes away; the lock and the LISTENs are taken
 * again, and listeners are told (rings were lost meanwhile: look again).
 */
export interface Session {
  /** This session's lock number: what leases and claims record as their holder's. */
  readonly lock: number;
  readonly connected: boolean;
  /** Runs a statement on the session's connection; rejects while it is down. */
  query<R extends pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  /** Rings on a LISTENed channel (the server's channel name), and "" after every reconnect. */
  onNotification(listener: (channel: string, payload: string) => void): () => void;
  /** The connection is up (true) or was lost (false). */
  onState(listener: (connected: boolean) => void): () => void;
  close(): Promise<void>;
}

/** The first key of every session lock (the two-int form: classid in pg_locks). */
export const SESSION_LOCK = 0x78722d73;

/** The SQL test that a session lock (by number) is held: its session is alive. */
export const SESSION_ALIVE = `EXISTS (SELECT 1 FROM pg_locks xr_lk WHERE xr_lk.locktype = 'advisory'
  AND xr_lk.granted AND xr_lk.classid = ${SESSION_LOCK} AND xr_lk.objsubid = 2
  AND xr_lk.objid = $LOCK::oid)`;

export interface SessionOptions {
  readonly config: pg.ClientConfig;
  /** Server channel names to LISTEN on. */
  readonly channels: readonly string[];
  readonly log?: (message: string, fields: Record<string, unknown>) => void;
}

/** Opens the session (rejects when the database cannot be reached now). */
export async function openSession(options: SessionOptions): Promise<Session> {
  const { config, channels } = options;
  const notificationListeners = new Set<(channel: string, payload: string) => void>();
  const stateListeners = new Set<(connected: boolean) => void>();
  let client: pg.Client | undefined;
  let connected = false;
  let closed = false;
  let retryMs = 250;
  let timer: NodeJS.Timeout | undefined;
  let lock = 0;

  const setConnected = (value: boolean) => {
    if (connected === value) return;
    connected = value;
    for (const listener of [...stateListeners]) listener(value);
  };

  const connect = async (): Promise<void> => {
    const next = new pg.Client(config);
    next.on("error", () => lost(next));
    next.on("end", () => lost(next));
    next.on("notification", (n) => {
      for (const listener of [...notificationListeners]) listener(n.channel, n.payload ?? "");
    });
    try {
      await next.connect();
      // Its own number: another process's would make one of them look dead.
      for (;;) {
        const candidate = lock || randomInt(1, 2 ** 31 - 1);
        const taken = await next.query<{ ok: boolean }>(
          "SELECT pg_try_advisory_lock($1, $2) AS ok",
          [SESSION_LOCK, candidate],
        );
        if (taken.rows[0]?.ok) {
          lock = candidate;
          break;
        }
        lock = 0;
      }
      for (const channel of channels) await next.query(`LISTEN ${channel}`);
    } catch (err) {
      next.removeAllListeners("end");
      await next.end().catch(() => {});
      throw err;
    }
    client = next;
    retryMs = 250;
    setConnected(true);
    // Rings sent while this session was away were lost: everyone looks again.
    for (const listener of [...notificationListeners]) for (const c of channels) listener(c, "");
  };

  const reconnectLater = () => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      connect().catch((err: unknown) => {
        options.log?.("database session not back yet", { err, retryMs });
        retryMs = Math.min(retryMs * 2, 2_000);
        reconnectLater();
      });
    }, retryMs);
    timer.unref();
  };

  function lost(which: pg.Client) {
    if (client !== which) return;
    client = undefined;
    which.removeAllListeners("notification");
    which.end().catch(() => {});
    setConnected(false);
    reconnectLater();
  }

  await connect();

  return {
    get lock() {
      return lock;
    },
    get connected() {
      return connected;
    },
    async query<R extends pg.QueryResultRow>(sql: string, values?: unknown[]) {
      const current = client;
      if (!current) {
        throw Object.assign(new Error("Connection terminated: the database session is down"), {
          code: "08006",
        });
      }
      return current.query<R>(sql, values);
    },
    onNotification(listener) {
      notificationListeners.add(listener);
      return () => notificationListeners.delete(listener);
    },
    onState(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      const current = client;
      client = undefined;
      connected = false;
      if (current) {
        current.removeAllListeners("end");
        await current.end().catch(() => {});
      }
    },
  };
}
