/**
 * What an account's session receives, once routed to the account (src/inbound/): answered by
 * the bridge (ping, disco#info, version, roster pushes), unwrapped (carbons, XEP-0280 §6,
 * only from the account's own bare JID: §11), noted, kept in the account's history, and
 * handed to its webhook or appended to its event log for the streams. Everything with an
 * archive id (XEP-0359 stanza-id by the account) moves the account's archive position.
 */
import xml, { type Element } from "@xmpp/xml";
import { recordHistory } from "../bots/history.js";
import { serializeStanza } from "../formats/xml.js";
import type { Logger } from "../log.js";
import { type Owner, ownerId } from "../owner.js";
import { addAccountNote } from "../stanza/account-notes.js";
import { busy, type StanzaError } from "../stanza/errors.js";
import { bareJid, type Jid, jidToString, parseJid } from "../stanza/jid.js";
import { isStanzaKind } from "../stanza/kinds.js";
import { NS } from "../stanza/ns.js";
import type { EventLog } from "../store/events.js";
import type { HistoryStore } from "../store/history.js";
import { allowsReply, errorReply } from "../webhook/reply.js";

/** What the router needs of an account. */
export interface RoutedAccount {
  readonly jid: string;
  readonly owner: Owner;
  readonly webhook: boolean;
}

export interface AccountRouterOptions {
  readonly store: Pick<EventLog, "append"> & Pick<HistoryStore, "appendHistory" | "amendHistory">;
  /** Sends on the account's own session. */
  readonly send: (jid: string, stanza: Element) => Promise<void>;
  /** Remembers an iq request for the account's answer through POST /rest; false when full. */
  readonly track: (iq: Element, owner: Owner) => boolean;
  readonly webhook: (owner: Owner, stanza: Element, to: Jid) => void;
  /** The archive id the account's log now reaches; false when it was delivered already. */
  readonly archived: (jid: string, archiveId: string) => boolean;
  /** Each message the account received or sent, once (its conversations follow them). */
  readonly observe?: (jid: string, message: Element, direction: "in" | "out", time: number) => void;
  readonly log: Logger;
  readonly now?: () => number;
}

export interface DeliverOptions {
  /** Keep it in the account's one-to-one history (room messages have their own). */
  readonly history: boolean;
  /** Recovered from the archive after a gap. */
  readonly catchup?: boolean;
  /** When it was sent (ms), where the archive says so; default now. */
  readonly time?: number;
}

export interface AccountRouter {
  deliver(account: RoutedAccount, stanza: Element, to: Jid, options: DeliverOptions): void;
  /** Keeps a message the account sent (through the bridge) in its store history. */
  recordOutgoing(account: RoutedAccount, stanza: Element): void;
}

const isRequest = (stanza: Element) =>
  stanza.name === "iq" && (stanza.attrs.type === "get" || stanza.attrs.type === "set");

/** The stanza-id the account's archive gave a message (XEP-0359 §4, `by` its bare JID). */
export function archiveIdOf(stanza: Element, jid: string): string | undefined {
  for (const sid of stanza.getChildren("stanza-id", NS.sid)) {
    if (sid.attrs.by === jid && sid.attrs.id) return sid.attrs.id;
  }
  return undefined;
}

/** A carbon's inner message and which way it went; undefined when the stanza is not one. */
export function unwrapCarbon(
  stanza: Element,
  jid: string,
): { message: Element; direction: "sent" | "received" } | "forged" | undefined {
  if (stanza.name !== "message") return undefined;
  for (const direction of ["sent", "received"] as const) {
    const wrapper = stanza.getChild(direction, NS.carbons);
    if (!wrapper) continue;
    // XEP-0280 §11: only the account's own server, as its bare JID, sends carbons.
    if (stanza.attrs.from !== jid) return "forged";
    const inner = wrapper.getChild("forwarded", NS.forward)?.getChild("message");
    if (!inner) return "forged";
    inner.parent = null;
    delete inner.attrs.xmlns;
    return { message: inner, direction };
  }
  return undefined;
}

/** RFC 6121 §2.1.6: an iq set with a roster query from the account's bare JID. */
export function isRosterPush(stanza: Element, jid: string): boolean {
  return (
    stanza.name === "iq" &&
    stanza.attrs.type === "set" &&
    stanza.attrs.from === jid &&
    stanza.getChild("query", NS.roster) !== undefined
  );
}

function result(iq: Element, ...children: Element[]): Element {
  const { from = "", id = "" } = iq.attrs;
  return xml("iq", { type: "result", to: from, id }, ...children);
}

/**
 * The answers the bridge gives for the account's session (XEP-0030 disco#info, XEP-0199
 * ping, XEP-0092 version, and the result every roster push needs, RFC 6121 §2.1.6).
 */
export function automaticAnswer(stanza: Element): Element | undefined {
  if (!isRequest(stanza)) return undefined;
  const children = stanza.getChildElements();
  const [query] = children;
  if (!query || children.length !== 1) return undefined;
  const type = stanza.attrs.type;
  if (type === "get" && query.name === "ping" && query.attrs.xmlns === NS.ping) {
    return result(stanza);
  }
  if (type === "get" && query.name === "query" && query.attrs.xmlns === NS.version) {
    return result(stanza, xml("query", { xmlns: NS.version }, xml("name", {}, "xmpp-rest")));
  }
  if (type === "get" && query.attrs.xmlns === NS.discoInfo && !query.attrs.node) {
    return result(
      stanza,
      xml(
        "query",
        { xmlns: NS.discoInfo },
        xml("identity", { category: "client", type: "bot", name: "xmpp-rest" }),
        ...[NS.discoInfo, NS.ping, NS.version, NS.carbons].map((v) => xml("feature", { var: v })),
      ),
    );
  }
  return undefined;
}

export function createAccountRouter(options: AccountRouterOptions): AccountRouter {
  const { store, send, track, log } = options;
  const now = options.now ?? Date.now;

  const reply = (jid: string, stanza: Element) => {
    send(jid, stanza).catch((err: unknown) =>
      log.warn("reply for an account not sent", { account: jid, err }),
    );
  };

  const refuse = (jid: string, stanza: Element, error: StanzaError) => {
    if (!allowsReply(stanza)) return;
    const answer = errorReply(stanza, error);
    if (answer) reply(jid, answer);
  };

  const record = (account: RoutedAccount, stanza: Element, direction: "in" | "out") => {
    recordHistory(store, stanza, ownerId(account.owner), direction, now()).catch((err: unknown) =>
      log.error("history not recorded", { account: account.jid, err }),
    );
  };

  /** Appends to the account's log without treating it as a request to answer. */
  const logOnly = async (account: RoutedAccount, stanza: Element) => {
    if (account.webhook) return;
    try {
      await store.append({
        stream: ownerId(account.owner),
        kind: stanza.name as "iq",
        stanza: serializeStanza(stanza),
      });
    } catch (err) {
      log.error("event not stored", { account: account.jid, err });
    }
  };

  const pull = async (account: RoutedAccount, stanza: Element) => {
    if (!isStanzaKind(stanza.name)) return;
    if (isRequest(stanza) && !track(stanza, account.owner)) {
      refuse(account.jid, stanza, busy("too many iqs wait"));
      return;
    }
    try {
      await store.append({
        stream: ownerId(account.owner),
        kind: stanza.name,
        stanza: serializeStanza(stanza),
      });
    } catch (err) {
      log.error("event not stored", { account: account.jid, err });
      refuse(account.jid, stanza, busy("the account cannot take it now"));
    }
  };

  return {
    recordOutgoing(account, stanza) {
      try {
        record(account, stanza, "out");
        options.observe?.(account.jid, stanza, "out", now());
      } catch (err) {
        log.error("history not recorded", { account: account.jid, err });
      }
    },
    deliver(account, original, to, delivery) {
      try {
        const answer = automaticAnswer(original);
        if (answer) {
          reply(account.jid, answer);
          return;
        }
        // RFC 6121 §2.1.6: a roster push (from the account itself) is acknowledged at once,
        // and is an event for the caller.
        if (isRosterPush(original, account.jid)) {
          reply(account.jid, result(original));
          void logOnly(account, original);
          return;
        }
        // XEP-0313 results that no query waits for any more (it timed out): not an event.
        if (original.name === "message" && original.getChild("result", NS.mam)) return;
        // The server's reflection of the session's own presence (RFC 6121 §4.2.2).
        if (original.name === "presence" && original.attrs.from === original.attrs.to) return;
        let stanza = original;
        let direction: "in" | "out" = "in";
        const carbon = unwrapCarbon(original, account.jid);
        if (carbon === "forged") {
          log.warn("forged carbon dropped", { account: account.jid, from: original.attrs.from });
          return;
        }
        if (carbon) {
          stanza = carbon.message;
          direction = carbon.direction === "sent" ? "out" : "in";
          addAccountNote(stanza, { carbon: carbon.direction, catchup: delivery.catchup });
        } else if (delivery.catchup) addAccountNote(stanza, { catchup: true });
        const archiveId = archiveIdOf(stanza, account.jid) ?? archiveIdOf(original, account.jid);
        // Each message once: the catch-up may have delivered it already (README, "Accounts").
        if (archiveId && !delivery.catchup && !options.archived(account.jid, archiveId)) return;
        if (delivery.history) record(account, stanza, direction);
        if (stanza.name === "message") {
          // What the archive gives back of the account's own messages is outgoing too.
          const own = direction === "out" || bareOf(stanza.attrs.from) === account.jid;
          options.observe?.(account.jid, stanza, own ? "out" : "in", delivery.time ?? now());
        }
        const target = parseJid(stanza.attrs.to ?? "") ?? to;
        if (account.webhook) options.webhook(account.owner, stanza, target);
        else void pull(account, stanza);
      } catch (err) {
        log.error("account routing failed", { account: account.jid, err });
      }
    },
  };
}

/** The bare JID of an address, or undefined. */
export function bareOf(address: string | undefined): string | undefined {
  const jid = parseJid(address ?? "");
  return jid && jidToString(bareJid(jid));
}
