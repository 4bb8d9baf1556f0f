import { StoreOpenError } from "../errors.js";

/** The one-line reason an open failed, without SQLite's stack. */
export function openFailure(location: string, err: unknown): StoreOpenError {
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
