/**
 * Reading a room's archive (XEP-0313 MAM v2 on the room's JID, XEP-0045 §11 rooms),
 * paged backwards with RSM (XEP-0059 §2.5: <before/> for the newest page, <before>ID</before>
 * for the page older than ID).
 */
import xml, { type Element } from "@xmpp/xml";
import { stanzaToJson } from "../formats/json/index.js";
import type { JsonStanza } from "../formats/json/types.js";
import { NS } from "../stanza/ns.js";
import { type Asker, askIq, newIqId } from "./ask.js";

export interface ArchiveMessage {
  /** The archive's id for the message (RSM item id; ejabberd: a number, Prosody: a UUID-like string). */
  readonly id: string;
  /** When the room archived it (XEP-0203 delay on the forwarded message), RFC 3339. */
  readonly time: string | null;
  /** The occupant JID that said it (room@service/nick). */
  readonly from: string;
  /** The sender's nick ("" for the room itself). */
  readonly nick: string;
  readonly type: string;
  readonly body: string;
  /** The archived message in the JSON mapping. */
  readonly stanza: JsonStanza;
}

export interface ArchivePage {
  /** Newest first, only messages with a body (as the store's history keeps). */
  readonly messages: readonly ArchiveMessage[];
  /** Give this as `before` for the next older page; undefined when the archive has no older one. */
  readonly before: string | undefined;
}

export interface ArchiveQuery {
  /** Who asks (the bot's address); the results come back to it. */
  readonly from: string;
  /** The room's bare JID. */
  readonly room: string;
  /** An archive id: only messages older than it. Absent: the newest messages. */
  readonly before?: string | undefined;
  /** How many archive entries to ask for (RSM max). */
  readonly max: number;
}

export interface RoomArchive {
  /** One page of the room's archive; throws the room's StanzaError (e.g. 403/404), 504, 503. */
  read(query: ArchiveQuery): Promise<ArchivePage>;
}

/**
 * A room's archive read over a connection; `timeoutMs` bounds how long the room may take to
 * send the page and its closing <fin/>.
 */
export function createRoomArchive(connection: Asker, timeoutMs: number): RoomArchive {
  return {
    async read(query) {
      const queryId = newIqId("mam");
      const iq = archiveQuery(query, newIqId("room-archive"), queryId);
      const answer = await askIq(connection, iq, timeoutMs, { mamQueryId: queryId });
      const fin = answer.reply.getChild("fin", NS.mam);
      const messages: ArchiveMessage[] = [];
      for (const result of answer.results) {
        const message = archivedMessage(result, query.room);
        if (message) messages.push(message);
      }
      // Results arrive oldest first (XEP-0313 §4.2); the history API pages newest first.
      messages.reverse();
      return { messages, before: olderCursor(fin, answer.results.length) };
    },
  };
}

/** The query iq (XEP-0313 §4.1, v2), to the room's bare JID. */
export function archiveQuery(query: ArchiveQuery, id: string, queryId: string): Element {
  const fields = [xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, NS.mam))];
  return xml(
    "iq",
    { type: "set", id, to: query.room, from: query.from },
    xml(
      "query",
      { xmlns: NS.mam, queryid: queryId },
      xml("x", { xmlns: NS.data, type: "submit" }, ...fields),
      xml(
        "set",
        { xmlns: NS.rsm },
        xml("max", {}, String(query.max)),
        // An empty <before/> asks for the last page (XEP-0059 §2.5).
        xml("before", {}, query.before ?? ""),
      ),
    ),
  );
}

/**
 * The cursor for the next older page: the first (oldest) id of this page, unless
 * the archive said it is complete (XEP-0313 §4.3: complete='true' once the page
 * reaches the end in the direction of the query) or the page was empty.
 */
function olderCursor(fin: Element | undefined, count: number): string | undefined {
  if (!fin || count === 0 || fin.attrs.complete === "true") return undefined;
  const first = fin.getChild("set", NS.rsm)?.getChildText("first", NS.rsm);
  return first || undefined;
}

/** One <result/> message (XEP-0313 §4.2) as a history message; undefined for one without a body. */
function archivedMessage(result: Element, room: string): ArchiveMessage | undefined {
  const wrapper = result.getChild("result", NS.mam);
  const id = wrapper?.attrs.id;
  const forwarded = wrapper?.getChild("forwarded", NS.forward);
  const message = forwarded?.getChild("message");
  if (!id || !forwarded || !message) return undefined;
  const body = message.getChildText("body");
  if (body === null || body === undefined || message.attrs.type === "error") return undefined;
  const stamp = forwarded.getChild("delay", NS.delay)?.attrs.stamp;
  // Rooms archive the message as they sent it, from the occupant JID; a bare room
  // address is what both servers write for messages from the room itself.
  const from = message.attrs.from ?? room;
  const slash = from.indexOf("/");
  return {
    id,
    time: stamp ?? null,
    from,
    nick: slash === -1 ? "" : from.slice(slash + 1),
    type: message.attrs.type ?? "groupchat",
    body,
    stanza: stanzaToJson(message),
  };
}
