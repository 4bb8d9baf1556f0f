/**
 * What an account knows of the people it talks to (README, "Accounts": contacts and
 * presence, conversations, rooms as the account), put together for one account: its roster,
 * its conversations and its room bookmarks, each on the account's own session (its own
 * request() for iqs) and the one way out (for presence and markers), each kept in the store.
 */
import type { Element } from "@xmpp/xml";
import type { Logger } from "../log.js";
import type { ContactStore } from "../store/contacts.js";
import type { ClientConnection } from "../xmpp/client/index.js";
import { type Bookmark, type Bookmarks, createBookmarks } from "./bookmarks.js";
import { type AccountConversations, createConversations } from "./conversations.js";
import { type AccountRoster, createRoster } from "./roster.js";

export interface AccountPeople {
  readonly roster: AccountRoster;
  readonly conversations: AccountConversations;
  readonly bookmarks: Bookmarks;
  /** Reads what the store keeps (before the session starts: its roster fetch builds on it). */
  load(): Promise<void>;
  /** A new session's rooms: those bookmarked with autojoin (XEP-0402 §5.3), for `join`. */
  autojoin(join: (rooms: readonly Bookmark[]) => void): void;
}

export interface PeopleOptions {
  readonly jid: string;
  /** The account's owner id: its key in the store. */
  readonly owner: string;
  readonly store: ContactStore;
  /** The account's session (read when used: a session outlives none of its connections). */
  readonly connection: () => Pick<ClientConnection, "request" | "offers">;
  /** A stanza through the one way out, from the account. */
  readonly send: (stanza: Element) => Promise<void>;
  readonly iqTimeoutMs: number;
  readonly log: Logger;
}

export function createAccountPeople(options: PeopleOptions): AccountPeople {
  const { jid, owner, store, log } = options;
  const request = async (iq: Element) =>
    (await options.connection().request(iq, options.iqTimeoutMs)).reply;
  const roster = createRoster({
    jid,
    owner,
    store,
    session: { request, send: options.send, offers: () => options.connection().offers },
    log,
  });
  const conversations = createConversations({ jid, owner, store, log });
  const bookmarks = createBookmarks({ jid, session: { request }, log });
  return {
    roster,
    conversations,
    bookmarks,
    async load() {
      await Promise.all([roster.load(), conversations.load()]);
    },
    autojoin(join) {
      bookmarks.list().then(
        (list) => {
          const rooms = list.filter((b) => b.autojoin);
          if (rooms.length > 0) join(rooms);
        },
        (err: unknown) => log.warn("bookmarks not read", { account: jid, err }),
      );
    },
  };
}
