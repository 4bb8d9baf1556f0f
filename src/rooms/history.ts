/**
 * The archive half of a room's history (GET /v1/bots/{name}/rooms/{room}/messages):
 * the cursors that lead from the store's pages into the room's archive, and the
 * archive pages themselves. Store ids are decimal; archive cursors are `archive:`
 * followed by the room's archive id, so the two never mix.
 */
import type { Element } from "@xmpp/xml";
import type { JsonAttachment, JsonStanza } from "../formats/json/index.js";
import { storedMessageEvent, storedStanzaJson } from "../formats/json/stored.js";
import { parseXmlElement } from "../formats/xml.js";
import { badRequest, StanzaError } from "../stanza/errors.js";
import { normaliseJid } from "../stanza/jid.js";
import { NS } from "../stanza/ns.js";
import type { RoomMessage, RoomMessagePage, RoomStore } from "../store/rooms.js";
import type { RoomArchive } from "./archive.js";

export const ARCHIVE_CURSOR = "archive:";

/**
 * An archive page waits at most this long (or XMPP_REST_IQ_TIMEOUT when shorter): the
 * default iq timeout (120 s) is for iqs a client chose to wait on, not a history page.
 */
export const ARCHIVE_TIMEOUT_MS = 30_000;

/** A history message as the API shows it, from either source. */
export interface RoomHistoryMessage {
  readonly id: string;
  /** The id edits, reactions, replies and moderation name it by (store pages only). */
  readonly messageId?: string;
  readonly time: string;
  readonly nick: string;
  readonly from: string;
  /** Absent once deleted. */
  readonly body?: string;
  readonly edited?: boolean;
  readonly editedAt?: string;
  readonly deleted?: boolean;
  readonly deletedAt?: string;
  readonly replyTo?: string;
  readonly attachments?: readonly JsonAttachment[];
  readonly stanza: JsonStanza | null;
}

export interface ArchiveHistoryPage {
  readonly source: "archive";
  readonly messages: RoomHistoryMessage[];
  readonly older: { before: string } | null;
  /** Archive pages are read backwards only. */
  readonly newer: null;
}

/**
 * The archive id in a `before` cursor: undefined when the cursor is not an archive one
 * (a store id), "" for the archive's newest page (`archive:` alone).
 */
export function archiveBefore(before: string | undefined): string | undefined {
  if (before === undefined || !before.startsWith(ARCHIVE_CURSOR)) return undefined;
  return before.slice(ARCHIVE_CURSOR.length);
}

/**
 * The cursor into the archive right before a stored message: the id the room stamped
 * on it (XEP-0359 §3: <stanza-id by='room'>; Prosody's muc_mam and ejabberd's mod_mam
 * stamp the very id their archive pages by). Without one, the archive's newest page.
 */
export function archiveCursorBefore(storedStanza: string | undefined, room: string): string {
  if (storedStanza === undefined) return ARCHIVE_CURSOR;
  let stanza: Element;
  try {
    stanza = parseXmlElement(storedStanza).root;
  } catch {
    return ARCHIVE_CURSOR;
  }
  // Only the room's own stamp counts: a sender may add stanza-ids of its own (§3.1).
  const stamp = stanza
    .getChildren("stanza-id", NS.sid)
    .find((sid) => normaliseJid(sid.attrs.by ?? "") === room);
  return `${ARCHIVE_CURSOR}${stamp?.attrs.id ?? ""}`;
}

/**
 * Rooms without an archive answer a MAM query with one of these (XEP-0313 §5.1 says
 * feature-not-implemented; ejabberd and Prosody without muc_mam answer
 * service-unavailable): for history that only means there is nothing older.
 */
const NO_ARCHIVE = new Set(["feature-not-implemented", "service-unavailable"]);

/**
 * One page of the room's archive, newest first, older than `before` ("" for the newest).
 * Any other refusal of the room is thrown (403 for an archive closed to the bot, ...).
 */
export async function archiveHistoryPage(
  archive: Pick<RoomArchive, "read">,
  query: { from: string; room: string; before: string; limit: number },
): Promise<ArchiveHistoryPage> {
  let page: Awaited<ReturnType<RoomArchive["read"]>>;
  try {
    page = await archive.read({
      from: query.from,
      room: query.room,
      max: query.limit,
      ...(query.before ? { before: query.before } : {}),
    });
  } catch (err) {
    // The bridge's own 503 (link down) stays an error: the archive may well exist.
    if (err instanceof StanzaError && NO_ARCHIVE.has(err.condition) && err.by !== undefined) {
      return { source: "archive", messages: [], older: null, newer: null };
    }
    throw err;
  }
  return {
    source: "archive",
    messages: page.messages.map((m) => ({
      id: `${ARCHIVE_CURSOR}${m.id}`,
      time: m.time ?? "",
      nick: m.nick,
      from: m.from,
      body: m.body,
      stanza: m.stanza,
    })),
    older: page.before === undefined ? null : { before: `${ARCHIVE_CURSOR}${page.before}` },
    newer: null,
  };
}

/** A page of a room's history as the API answers it, from either source. */
export interface RoomHistoryPage {
  readonly source: "store" | "archive";
  readonly messages: readonly RoomHistoryMessage[];
  readonly older: { readonly before: string } | null;
  readonly newer: { readonly after: string } | null;
}

/** A kept room message in the answer's shape: its latest text, or that it was deleted. */
function storedMessageJson(message: RoomMessage): RoomHistoryMessage {
  const { id, messageId, nick, from, body, stanza, editedAt, deletedAt } = message;
  // The store keeps milliseconds; the answer says RFC 3339, as the archive's stamps do.
  const iso = (ms: number) => new Date(ms).toISOString();
  const typed = storedMessageEvent(stanza);
  return {
    id,
    ...(messageId === undefined ? {} : { messageId }),
    time: iso(message.time),
    nick,
    from,
    ...(deletedAt === undefined ? { body } : { deleted: true, deletedAt: iso(deletedAt) }),
    ...(editedAt === undefined ? {} : { edited: true, editedAt: iso(editedAt) }),
    ...(typed?.replyTo === undefined ? {} : { replyTo: typed.replyTo }),
    ...(typed?.attachments === undefined || deletedAt !== undefined
      ? {}
      : { attachments: typed.attachments }),
    stanza: storedStanzaJson(stanza),
  };
}

/**
 * A page of room messages from the store, in the answer's shape (`source: "store"`). Where
 * the store has nothing older, `older` leads into the room's archive, right before the
 * oldest message on the page (by the archive id the room stamped on it).
 */
export function storedHistoryPage(page: RoomMessagePage, room: string): RoomHistoryPage {
  const newest = page.messages[0];
  const oldest = page.messages[page.messages.length - 1];
  return {
    source: "store",
    messages: page.messages.map(storedMessageJson),
    older:
      page.hasOlder && oldest
        ? { before: oldest.id }
        : { before: archiveCursorBefore(oldest?.stanza, room) },
    newer: page.hasNewer && newest ? { after: newest.id } : null,
  };
}

export interface HistoryQuery {
  /** A store id, or an archive cursor (archive:<id>, archive: alone for its newest page). */
  readonly before?: string | undefined;
  /** A store id. */
  readonly after?: string | undefined;
  readonly limit: number;
}

export interface HistorySources {
  readonly store: Pick<RoomStore, "pageRoomMessages">;
  /** The key of the seat's rooms in the store. */
  readonly seatKey: string;
  /** The seat's address: the one a members-only room knows. */
  readonly address: string;
  readonly room: string;
  /** The room's archive over the seat's connection; throws 503 while it is down. */
  readonly archive: () => Pick<RoomArchive, "read">;
}

/**
 * What was said in a room, newest first: pages from the store (what the bridge kept while the
 * seat was in the room) until it has nothing older, then the room's own archive, read
 * backwards only. When the store has nothing for the room yet, the first page is the
 * archive's newest; the store's empty page stays the answer when the archive cannot give one.
 */
export async function roomHistory(
  sources: HistorySources,
  query: HistoryQuery,
): Promise<RoomHistoryPage> {
  const { store, seatKey, address: from, room } = sources;
  const { limit } = query;
  const fromArchive = archiveBefore(query.before);
  if (fromArchive !== undefined) {
    if (query.after !== undefined) {
      throw badRequest("an archive page is read backwards only: before=archive:... takes no after");
    }
    return archiveHistoryPage(sources.archive(), { from, room, before: fromArchive, limit });
  }
  const { before, after } = query;
  const page = await store.pageRoomMessages(seatKey, room, { before, after, limit });
  if (page.messages.length === 0 && before === undefined && after === undefined) {
    try {
      return await archiveHistoryPage(sources.archive(), { from, room, before: "", limit });
    } catch {}
  }
  return storedHistoryPage(page, room);
}
