import { StanzaError } from "../stanza/errors.js";

/** The store cannot be used at start-up (unwritable, corrupt, newer schema): one line for the user. */
export class StoreOpenError extends Error {
  override readonly name = "StoreOpenError";
}

/** No room to write (disk full, or the database's size limit): nothing was written. */
export class StoreFullError extends Error {
  override readonly name = "StoreFullError";
}

/** Seconds a caller is told to wait while the database is unreachable. */
export const STORE_RETRY_AFTER_SECONDS = 2;

/**
 * A database server store cannot be reached now (down, restarting, connections refused): a
 * 503 with Retry-After for HTTP callers, nothing written. The process keeps running and the
 * store reconnects by itself.
 */
export class StoreUnavailableError extends StanzaError {
  constructor(text: string, cause?: unknown) {
    super("wait", "service-unavailable", {
      text,
      status: 503,
      retryAfter: STORE_RETRY_AFTER_SECONDS,
      cause,
    });
  }
}

/**
 * A write only the link holder may make, refused: this process no longer holds the lease
 * (another took over, or the lease lapsed). Nothing of it was written.
 */
export class FencedError extends Error {
  override readonly name = "FencedError";
}
