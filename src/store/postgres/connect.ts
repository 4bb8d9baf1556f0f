import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";
import pg from "pg";
import { StoreOpenError, StoreUnavailableError } from "../errors.js";
import type { StoreSettings } from "../types.js";

export { STORE_TLS_MODES, type StoreTlsMode } from "../types.js";

/**
 * How this process talks to PostgreSQL: one pool for reads and commits, sized and timed by the
 * settings, and the rules for telling "the database is away" (a 503 while it is back) from a
 * bug. node-postgres (`pg` 8) with pipelining off: its opt-in pipelining (8.23) is new and
 * still getting fixes, and commits are batched here anyway (./writer.ts).
 */

/** The URI as it may be shown (logs, errors): without its password. */
export function describeUri(uri: string): string {
  try {
    const url = new URL(uri);
    url.password = "";
    return `${url.protocol}//${url.username ? `${url.username}@` : ""}${url.host}${url.pathname}`;
  } catch {
    return "postgres://…";
  }
}

function tlsOptions(settings: StoreSettings): ConnectionOptions | boolean | undefined {
  switch (settings.tls ?? "auto") {
    case "auto":
      return undefined;
    case "off":
      return false;
    case "require":
      // Encrypted, the server's certificate not checked (libpq's sslmode=require).
      return { rejectUnauthorized: false };
    case "verify-full": {
      const ca = settings.caFile === undefined ? undefined : readFileSync(settings.caFile, "utf8");
      return { rejectUnauthorized: true, ...(ca === undefined ? {} : { ca }) };
    }
  }
}

/** The client settings every connection of this process uses (the pool's and the dedicated ones). */
export function clientConfig(uri: string, settings: StoreSettings): pg.ClientConfig {
  const ssl = tlsOptions(settings);
  return {
    connectionString: uri,
    application_name: "xmpp-rest",
    connectionTimeoutMillis: settings.connectTimeoutMs ?? 5_000,
    statement_timeout: settings.statementTimeoutMs ?? 10_000,
    // A process frozen inside a transaction (SIGSTOP, a long pause) must not hold its row locks
    // (the lease's FOR SHARE above all) for ever: the server ends its session instead.
    idle_in_transaction_session_timeout: Math.max(5_000, settings.statementTimeoutMs ?? 10_000),
    keepAlive: true,
    keepAliveInitialDelayMillis: 5_000,
    ...(ssl === undefined ? {} : { ssl }),
  };
}

export function createPool(uri: string, settings: StoreSettings): pg.Pool {
  const pool = new pg.Pool({
    ...clientConfig(uri, settings),
    max: settings.poolSize ?? 10,
    idleTimeoutMillis: 30_000,
  });
  // A client whose server went away emits "error": an idle one through the pool, one checked
  // out (between two statements of a commit) on itself. Unheard, either would crash the
  // process; the statement in progress fails on its own, and the next gets a new connection.
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  return pool;
}

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  // admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections, query_canceled
  // (statement_timeout), idle_in_transaction_session_timeout
  "57P01",
  "57P02",
  "57P03",
  "53300",
  "57014",
  "25P03",
]);

/** Whether an error means the database is away (or too slow) rather than a bad statement. */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  const code = e?.code;
  if (code !== undefined && (CONNECTION_CODES.has(code) || code.startsWith("08"))) return true;
  const message = e?.message ?? "";
  return /Connection terminated|connection error|timeout exceeded when trying to connect|Client was closed|Cannot use a pool after calling end/i.test(
    message,
  );
}

/** A store error for callers: the database being away is a 503 (StoreUnavailableError). */
export function storeError(err: unknown): unknown {
  if (err instanceof StoreUnavailableError || !isConnectionError(err)) return err;
  const reason = (err as Error)?.message ?? String(err);
  return new StoreUnavailableError(`the database is unavailable (${reason})`, err);
}

/** The one line `xmpp-rest` exits 2 with when the database cannot be used at start-up. */
export function openFailure(uri: string, err: unknown): StoreOpenError {
  if (err instanceof StoreOpenError) return err;
  const e = err as { code?: string; message?: string };
  const reason = e?.message ?? String(err);
  const hint =
    e?.code === "28P01" || e?.code === "28000"
      ? "the database refused the credentials"
      : e?.code === "3D000"
        ? "no such database"
        : isConnectionError(err)
          ? "cannot reach the database"
          : undefined;
  return new StoreOpenError(`store ${describeUri(uri)}: ${hint ? `${hint} (${reason})` : reason}`, {
    cause: err,
  });
}
