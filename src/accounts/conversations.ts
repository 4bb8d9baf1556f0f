/**
 * An account's conversations (README, "Accounts", "Conversations"): one per peer or room, with
 * its last message and how many incoming messages came after the last XEP-0333 `displayed`
 * marker the account sent, from any of its clients (the bridge's own, and the others' seen
 * as carbons, XEP-0280). Built from what the account's session delivers (live, carbons,
 * catch-up from the archive) and what it sends, kept in the store (written through, so a
 * restart starts from it) and held in memory for listing.
 */
import xml, { type Element } from "@xmpp/xml";
import type { Logger } from "../log.js";
import { notFound } from "../stanza/errors.js";
import { bareJid, jidToString, parseJid } from "../stanza/jid.js";
import { senderIdOf, stanzaIdBy } from "../stanza/message-ids.js";
import { NS } from "../stanza/ns.js";
import type {
  ContactStore,
  ConversationMessage,
  ConversationRecord,
  UnreadId,
} from "../store/contacts.js";

/** How many unread ids a conversation remembers for matching later markers. */
const UNREAD_IDS = 500;

export interface ConversationPage {
  readonly conversations: readonly ConversationRecord[];
  /** The cursor of the next (older) page; undefined on the last. */
  readonly before: string | undefined;
}

export interface AccountConversations {
  /** Reads what the store keeps. */
  load(): Promise<void>;
  /**
   * A message the account received or sent (carbons unwrapped, `out` for its own), at `time`
   * (ms): a body moves the conversation, an outgoing displayed marker reads it.
   */
  observe(stanza: Element, direction: "in" | "out", time: number): void;
  get(peer: string): ConversationRecord | undefined;
  /** Newest first; `before` a cursor from an earlier page. */
  page(before: string | undefined, limit: number): ConversationPage;
  /**
   * The account read the conversation up to a message (its id, or its archive id; left out:
   * the newest): the marker to send; 404 for a conversation or message it does not know.
   */
  read(peer: string, upTo: string | undefined): Element;
}

export interface ConversationOptions {
  readonly jid: string;
  readonly owner: string;
  readonly store: Pick<ContactStore, "listConversations" | "putConversation">;
  readonly log: Logger;
}

const bareOf = (address: string | undefined) => {
  const jid = parseJid(address ?? "");
  return jid && jidToString(bareJid(jid));
};

/** Newest first: by the last message's time, then by peer. */
const newerFirst = (a: ConversationRecord, b: ConversationRecord) =>
  b.last.time - a.last.time || a.with.localeCompare(b.with);

/** A page cursor: where the previous page ended. */
export function encodeCursor(c: ConversationRecord): string {
  return Buffer.from(JSON.stringify([c.last.time, c.with])).toString("base64url");
}

export function decodeCursor(cursor: string): { time: number; with: string } | undefined {
  try {
    const [time, peer] = JSON.parse(Buffer.from(cursor, "base64url").toString()) as unknown[];
    if (typeof time === "number" && typeof peer === "string") return { time, with: peer };
  } catch {}
  return undefined;
}

/** Drops the unread ids up to and including `upTo` (by id or archive id); false when unknown. */
export function readUpTo(
  conversation: ConversationRecord,
  upTo: string,
): ConversationRecord | undefined {
  const at = conversation.unreadIds.findIndex((u) => u.id === upTo || u.archiveId === upTo);
  if (at >= 0) {
    const rest = conversation.unreadIds.slice(at + 1);
    return { ...conversation, unreadIds: rest, unread: rest.length, displayedId: upTo };
  }
  if (conversation.last.id === upTo || conversation.last.archiveId === upTo) {
    return { ...conversation, unreadIds: [], unread: 0, displayedId: upTo };
  }
  return undefined;
}

export function createConversations(options: ConversationOptions): AccountConversations {
  const { jid: account, owner, store, log } = options;
  const all = new Map<string, ConversationRecord>();

  const keep = (conversation: ConversationRecord) => {
    all.set(conversation.with, conversation);
    store.putConversation(owner, conversation).catch((err: unknown) => {
      log.error("conversation not stored", { account, err });
    });
  };

  const markRead = (peer: string, upTo: string) => {
    const conversation = all.get(peer);
    const read = conversation && readUpTo(conversation, upTo);
    if (read) keep(read);
  };

  return {
    async load() {
      all.clear();
      for (const c of await store.listConversations(owner)) all.set(c.with, c);
    },
    observe(stanza, direction, time) {
      const type = stanza.attrs.type;
      if (stanza.name !== "message" || type === "error" || type === "headline") return;
      const kind = type === "groupchat" ? "groupchat" : "chat";
      const peer = bareOf(direction === "in" ? stanza.attrs.from : stanza.attrs.to);
      if (!peer || peer === account) return;
      const note = stanza.getChild("room-event", NS.roomEvent);
      // A room's discussion history sent at join time is old news (XEP-0045 §7.2.15).
      if (note?.attrs.history === "true") return;
      const own = direction === "out" || note?.attrs.self === "true";
      const marker = stanza.getChild("displayed", NS.markers)?.attrs.id;
      if (marker && own) markRead(peer, marker);
      const body = stanza.getChildText("body");
      if (!body) return;
      // The ids markers name (XEP-0333 §4: in a room, the room's stanza-id).
      const id =
        note?.attrs.id ||
        (kind === "groupchat" ? stanzaIdBy(stanza, peer) : undefined) ||
        senderIdOf(stanza) ||
        crypto.randomUUID();
      const archiveId = stanzaIdBy(stanza, account);
      const before = all.get(peer);
      // Each message once: a catch-up or a carbon may bring one again.
      if (before && (before.last.id === id || before.unreadIds.some((u) => u.id === id))) return;
      const from = kind === "groupchat" ? (stanza.attrs.from ?? peer) : own ? account : peer;
      const last: ConversationMessage = { id, archiveId, time, from, body };
      const newest = !before || before.last.time <= time;
      let unreadIds: readonly UnreadId[] = before?.unreadIds ?? [];
      let unread = before?.unread ?? 0;
      if (!own) {
        unreadIds = [...unreadIds, archiveId ? { id, archiveId } : { id }].slice(-UNREAD_IDS);
        unread += 1;
      }
      keep({
        with: peer,
        kind,
        last: newest || !before ? last : before.last,
        unread,
        unreadIds,
        ...(before?.displayedId ? { displayedId: before.displayedId } : {}),
      });
    },
    get: (peer) => all.get(peer),
    page(before, limit) {
      const cursor = before === undefined ? undefined : decodeCursor(before);
      const sorted = [...all.values()].sort(newerFirst);
      const start = cursor
        ? sorted.findIndex(
            (c) =>
              c.last.time < cursor.time ||
              (c.last.time === cursor.time && c.with.localeCompare(cursor.with) > 0),
          )
        : 0;
      const slice = start < 0 ? [] : sorted.slice(start, start + limit);
      const last = slice.at(-1);
      const more = start >= 0 && start + limit < sorted.length;
      return { conversations: slice, before: more && last ? encodeCursor(last) : undefined };
    },
    read(peer, upTo) {
      const conversation = all.get(peer);
      if (!conversation) throw notFound(`no conversation with ${peer}`);
      const target = upTo ?? conversation.unreadIds.at(-1)?.id ?? conversation.last.id;
      const read = readUpTo(conversation, target);
      if (!read) {
        throw notFound(`no message '${target.slice(0, 100)}' in the conversation with ${peer}`);
      }
      keep(read);
      // XEP-0333 §4: the marker names the message; in a room it goes to the room.
      return xml(
        "message",
        { to: peer, type: conversation.kind, id: crypto.randomUUID() },
        xml("displayed", { xmlns: NS.markers, id: target }),
      );
    },
  };
}
