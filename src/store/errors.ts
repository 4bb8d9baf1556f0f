/** The store cannot be used at start-up (unwritable, corrupt, newer schema): one line for the user. */
export class StoreOpenError extends Error {
  override readonly name = "StoreOpenError";
}

/** No room to write (disk full, or the database's size limit): nothing was written. */
export class StoreFullError extends Error {
  override readonly name = "StoreFullError";
}
