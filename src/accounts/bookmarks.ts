/**
 * An account's room bookmarks (README, "Accounts", "Rooms"): the rooms it joins through the
 * bridge are kept where its other clients look for them, XEP-0402 (PEP node
 * urn:xmpp:bookmarks:1, one item per room), falling back to XEP-0048 in private XML storage
 * (XEP-0049) where the server has no usable PEP; those marked `autojoin` are joined at login.
 */
import xml, { type Element } from "@xmpp/xml";
import type { Logger } from "../log.js";
import { jidToString, parseJid } from "../stanza/jid.js";
import { NS } from "../stanza/ns.js";

export interface Bookmark {
  /** The room's bare JID. */
  readonly room: string;
  readonly nick?: string | undefined;
  readonly autojoin: boolean;
}

export interface BookmarkSession {
  /** An iq on the account's own connection, with its reply. */
  request(iq: Element): Promise<Element>;
}

export interface Bookmarks {
  /** Both stores, XEP-0402 first; a room in both counts once. */
  list(): Promise<Bookmark[]>;
  /** Adds or replaces the room's bookmark. */
  put(bookmark: Bookmark): Promise<void>;
  remove(room: string): Promise<void>;
}

const ok = (reply: Element) => reply.attrs.type === "result";

function field(name: string, value: string): Element {
  return xml("field", { var: name }, xml("value", {}, value));
}

/** XEP-0402 §4: a private node that keeps every bookmark. */
function publishOptions(): Element {
  return xml(
    "publish-options",
    {},
    xml(
      "x",
      { xmlns: NS.data, type: "submit" },
      xml(
        "field",
        { var: "FORM_TYPE", type: "hidden" },
        xml("value", {}, "http://jabber.org/protocol/pubsub#publish-options"),
      ),
      field("pubsub#persist_items", "true"),
      field("pubsub#max_items", "max"),
      field("pubsub#send_last_published_item", "never"),
      field("pubsub#access_model", "whitelist"),
    ),
  );
}

function conferenceOf(element: Element, room: string | undefined): Bookmark | undefined {
  const jid = parseJid(room ?? "");
  if (jid?.resource !== "") return undefined;
  const nick = element.getChildText("nick") ?? undefined;
  const autojoin = element.attrs.autojoin === "true" || element.attrs.autojoin === "1";
  return { room: jidToString(jid), ...(nick ? { nick } : {}), autojoin };
}

/** The legacy storage element (XEP-0048 §3) with the given bookmarks. */
function legacyStorage(bookmarks: readonly Bookmark[], others: readonly Element[]): Element {
  return xml(
    "storage",
    { xmlns: NS.bookmarksLegacy },
    ...others,
    ...bookmarks.map((b) =>
      xml(
        "conference",
        { jid: b.room, autojoin: b.autojoin ? "true" : "false" },
        b.nick ? xml("nick", {}, b.nick) : null,
      ),
    ),
  );
}

export function createBookmarks(options: {
  readonly jid: string;
  readonly session: BookmarkSession;
  readonly log: Logger;
}): Bookmarks {
  const { jid, session, log } = options;
  let id = 0;
  const iq = (type: "get" | "set", ...children: Element[]) =>
    session.request(xml("iq", { type, to: jid, id: `bookmarks-${++id}` }, ...children));

  const pep = async (): Promise<Bookmark[] | undefined> => {
    const reply = await iq(
      "get",
      xml("pubsub", { xmlns: NS.pubsub }, xml("items", { node: NS.bookmarks })),
    );
    if (!ok(reply)) return undefined;
    const items = reply.getChild("pubsub", NS.pubsub)?.getChild("items")?.getChildren("item") ?? [];
    return items
      .map((item) => {
        const conference = item.getChild("conference", NS.bookmarks);
        return conference && conferenceOf(conference, item.attrs.id);
      })
      .filter((b): b is Bookmark => b !== undefined);
  };

  /** The legacy storage: its bookmarks, and what else it holds (URLs), kept as it is. */
  const legacy = async (): Promise<{ bookmarks: Bookmark[]; others: Element[] } | undefined> => {
    const reply = await iq(
      "get",
      xml("query", { xmlns: NS.privateStorage }, xml("storage", { xmlns: NS.bookmarksLegacy })),
    );
    if (!ok(reply)) return undefined;
    const storage = reply
      .getChild("query", NS.privateStorage)
      ?.getChild("storage", NS.bookmarksLegacy);
    const children = storage?.getChildElements() ?? [];
    const bookmarks: Bookmark[] = [];
    const others: Element[] = [];
    for (const child of children) {
      const bookmark = child.name === "conference" && conferenceOf(child, child.attrs.jid);
      if (bookmark) bookmarks.push(bookmark);
      else others.push(child);
    }
    return { bookmarks, others };
  };

  const setLegacy = async (change: (list: Bookmark[]) => Bookmark[]) => {
    const current = await legacy();
    if (!current) throw new Error("the server keeps neither XEP-0402 nor XEP-0048 bookmarks");
    const reply = await iq(
      "set",
      xml(
        "query",
        { xmlns: NS.privateStorage },
        legacyStorage(change(current.bookmarks), current.others),
      ),
    );
    if (!ok(reply)) throw new Error("the server refused the private storage (XEP-0049)");
  };

  return {
    async list() {
      const [modern, old] = await Promise.all([
        pep().catch(() => undefined),
        legacy().catch(() => undefined),
      ]);
      const byRoom = new Map<string, Bookmark>();
      for (const b of [...(old?.bookmarks ?? []), ...(modern ?? [])]) byRoom.set(b.room, b);
      return [...byRoom.values()];
    },
    async put(bookmark) {
      const reply = await iq(
        "set",
        xml(
          "pubsub",
          { xmlns: NS.pubsub },
          xml(
            "publish",
            { node: NS.bookmarks },
            xml(
              "item",
              { id: bookmark.room },
              xml(
                "conference",
                { xmlns: NS.bookmarks, autojoin: bookmark.autojoin ? "true" : "false" },
                bookmark.nick ? xml("nick", {}, bookmark.nick) : null,
              ),
            ),
          ),
          publishOptions(),
        ),
      );
      if (ok(reply)) return;
      log.info("XEP-0402 bookmark refused; using XEP-0048 private storage", { account: jid });
      await setLegacy((list) => [...list.filter((b) => b.room !== bookmark.room), bookmark]);
    },
    async remove(room) {
      const reply = await iq(
        "set",
        xml(
          "pubsub",
          { xmlns: NS.pubsub },
          xml("retract", { node: NS.bookmarks, notify: "true" }, xml("item", { id: room })),
        ),
      );
      // Whichever store holds it: the legacy one may, too.
      const old = await legacy().catch(() => undefined);
      if (old?.bookmarks.some((b) => b.room === room)) {
        await setLegacy((list) => list.filter((b) => b.room !== room));
      } else if (!ok(reply) && !old) {
        throw new Error("the server keeps neither XEP-0402 nor XEP-0048 bookmarks");
      }
    },
  };
}
