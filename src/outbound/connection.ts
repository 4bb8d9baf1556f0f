import type { Connection } from "../xmpp/connection.js";

/** What the way out needs of the connection a principal's stanzas leave on. */
export type OutboundConnection = Pick<
  Connection,
  "state" | "from" | "send" | "request" | "retryAfterSeconds"
>;
