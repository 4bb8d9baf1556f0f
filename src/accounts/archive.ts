/**
 * The account's own archive (XEP-0313 on its bare JID, paged with XEP-0059 RSM): history pages
 * for GET .../messages, and the catch-up after a gap (README, "Accounts", "Miss nothing").
 * Results come back as the forwarded messages with their archive id; the id is put on the
 * message as its XEP-0359 stanza-id (by the account), so live events and history carry the
 * same id for one message.
 */
import { randomBytes } from "node:crypto";
import xml, { type Element } from "@xmpp/xml";
import { StanzaError } from "../stanza/errors.js";
import { NS } from "../stanza/ns.js";
import type { Connection } from "../xmpp/connection.js";

export interface ArchiveQuery {
  /** Only the conversation with this bare JID. */
  readonly with?: string | undefined;
  /** RFC 3339 bounds (XEP-0313 §4.1.1). */
  readonly start?: string | undefined;
  readonly end?: string | undefined;
  /** Older than this archive id (RSM before); "" for the newest page. */
  readonly before?: string | undefined;
  /** Newer than this archive id (RSM after). */
  readonly after?: string | undefined;
  readonly max: number;
}

export interface ArchivedMessage {
  /** The archive's id for the message (its stanza-id). */
  readonly id: string;
  /** When the archive received it (XEP-0203 delay on the result), ms. */
  readonly time: number;
  /** The message as it was, with its stanza-id. */
  readonly message: Element;
}

export interface ArchivePage {
  /** Oldest first, as the archive answers. */
  readonly messages: readonly ArchivedMessage[];
  /** XEP-0313 §4.3: the last page in the direction asked for. */
  readonly complete: boolean;
}

/** A query's result message as the archived message, or undefined when it is not one. */
export function archivedMessage(result: Element, jid: string): ArchivedMessage | undefined {
  const wrapper = result.getChild("result", NS.mam);
  const forwarded = wrapper?.getChild("forwarded", NS.forward);
  const message = forwarded?.getChild("message");
  const id = wrapper?.attrs.id;
  if (!message || !id) return undefined;
  message.parent = null;
  delete message.attrs.xmlns;
  const stamp = forwarded?.getChild("delay", NS.delay)?.attrs.stamp;
  const time = stamp ? Date.parse(stamp) : Number.NaN;
  if (!message.getChildren("stanza-id", NS.sid).some((s) => s.attrs.by === jid)) {
    message.append(xml("stanza-id", { xmlns: NS.sid, id, by: jid }));
  }
  return { id, time: Number.isNaN(time) ? Date.now() : time, message };
}

function field(name: string, value: string): Element {
  return xml("field", { var: name }, xml("value", {}, value));
}

/** The iq of one archive query (XEP-0313 §4.1, XEP-0059 §2). */
export function archiveQuery(
  jid: string,
  query: ArchiveQuery,
  queryId: string,
  id: string,
): Element {
  const form = xml(
    "x",
    { xmlns: NS.data, type: "submit" },
    xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, NS.mam)),
    query.with ? field("with", query.with) : null,
    query.start ? field("start", query.start) : null,
    query.end ? field("end", query.end) : null,
  );
  const rsm = xml(
    "set",
    { xmlns: NS.rsm },
    xml("max", {}, String(query.max)),
    query.after !== undefined ? xml("after", {}, query.after) : null,
    query.before !== undefined ? xml("before", {}, query.before) : null,
  );
  return xml(
    "iq",
    { type: "set", to: jid, id },
    xml("query", { xmlns: NS.mam, queryid: queryId }, form, rsm),
  );
}

/** Runs one archive query on the account's session; rejects with the server's StanzaError. */
export async function queryArchive(
  connection: Pick<Connection, "request">,
  jid: string,
  query: ArchiveQuery,
  timeoutMs: number,
): Promise<ArchivePage> {
  const queryId = randomBytes(6).toString("hex");
  const iq = archiveQuery(jid, query, queryId, `mam-${queryId}`);
  const { reply, results } = await connection.request(iq, timeoutMs, { mamQueryId: queryId });
  if (reply.attrs.type !== "result") {
    throw (
      StanzaError.fromElement(reply) ??
      new StanzaError("cancel", "undefined-condition", { text: "the archive refused the query" })
    );
  }
  const fin = reply.getChild("fin", NS.mam);
  const messages = results.flatMap((r) => archivedMessage(r, jid) ?? []);
  return { messages, complete: fin?.attrs.complete === "true" || fin?.attrs.complete === "1" };
}
