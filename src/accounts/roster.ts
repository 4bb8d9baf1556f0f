/**
 * An account's contacts (README, "Accounts", "Contacts and presence"): its roster (RFC 6121
 * §2) as the server gives it, kept in the store with its version so that a new session asks
 * only for what changed (§2.6, XEP-0237); the roster pushes of its other clients (§2.1.6);
 * its contacts' presence (§4); and the subscription requests it has not answered (§3.1.3).
 * Changes go to the server (roster sets, subscription presence) and come back as pushes:
 * the server's word is the state, this is its copy.
 */
import xml, { type Element } from "@xmpp/xml";
import type { Logger } from "../log.js";
import { conflict, StanzaError, unprocessable } from "../stanza/errors.js";
import { bareJid, jidToString, parseJid } from "../stanza/jid.js";
import { NS } from "../stanza/ns.js";
import { rosterItemOf, type SubscriptionState } from "../stanza/roster.js";
import type { ContactRecord, ContactStore, SubscriptionRequestRecord } from "../store/contacts.js";

/** A roster item element as a contact (RFC 6121 §2.1.2). */
export const contactOfItem = rosterItemOf;

/** What POST .../contacts/{contact}/subscription takes (RFC 6121 §3). */
export const SUBSCRIPTION_ACTIONS = [
  "request",
  "approve",
  "deny",
  "cancel",
  "unsubscribe",
] as const;
export type SubscriptionAction = (typeof SUBSCRIPTION_ACTIONS)[number];

export interface ContactPresence {
  readonly resource: string;
  readonly show: string | null;
  readonly status: string | null;
  readonly priority: number;
}

export interface ContactView extends ContactRecord {
  /** One entry per available resource, highest priority first. */
  readonly presence: readonly ContactPresence[];
}

export interface ContactChange {
  readonly name?: string | undefined;
  readonly groups?: readonly string[] | undefined;
}

/** What the roster needs of the account's session. */
export interface RosterSession {
  /** An iq on the account's own connection, with its reply (RFC 6120 §8.2.3). */
  request(iq: Element): Promise<Element>;
  /** A presence stanza through the one way out, from the account. */
  send(stanza: Element): Promise<void>;
  /** Whether the server offers roster versioning and pre-approval (stream features). */
  offers(): { readonly rosterVersioning: boolean; readonly preApproval: boolean };
}

export interface RosterOptions {
  /** The account's bare JID. */
  readonly jid: string;
  /** Its owner id: the key in the store. */
  readonly owner: string;
  readonly store: ContactStore;
  readonly session: RosterSession;
  readonly log: Logger;
  readonly now?: () => number;
}

export interface AccountRoster {
  /** Reads what the store keeps (before the first session). */
  load(): Promise<void>;
  /**
   * A new session, before its initial presence (RFC 6121 §2.2): the roster from the server,
   * only what changed where it offers versioning; the contacts' presence starts afresh.
   */
  fetch(): Promise<void>;
  contacts(): ContactView[];
  contact(jid: string): ContactView | undefined;
  /** Adds or changes a contact (a roster set, §2.3); answers the contact as it is now. */
  set(jid: string, change: ContactChange): Promise<ContactView>;
  /** Removes a contact (§2.5: the subscriptions both ways end with it). */
  remove(jid: string): Promise<void>;
  /** One subscription step (§3); 409 when the contact's state does not allow it. */
  subscription(jid: string, action: SubscriptionAction): Promise<ContactView>;
  requests(): SubscriptionRequestRecord[];
  /** A presence or roster push the account's session received (after the bridge answered it). */
  observe(stanza: Element): void;
}

/** A contact's address in a path: a bare JID (RFC 7622), normalised; 422 naming it otherwise. */
export function contactJid(raw: string): string {
  const jid = parseJid(raw);
  if (jid?.resource !== "") {
    throw unprocessable(
      `contact '${raw.slice(0, 100)}' is not a bare JID (user@domain or domain)`,
      "jid-malformed",
    );
  }
  return jidToString(jid);
}

/** An action named in a body; 422 listing the valid ones otherwise. */
export function subscriptionAction(raw: unknown): SubscriptionAction {
  if (typeof raw === "string" && (SUBSCRIPTION_ACTIONS as readonly string[]).includes(raw)) {
    return raw as SubscriptionAction;
  }
  throw unprocessable(
    `"action" must be one of ${SUBSCRIPTION_ACTIONS.join(", ")}; '${String(raw).slice(0, 50)}' is not one`,
  );
}

const sees = (s: SubscriptionState) => s === "to" || s === "both";
const seen = (s: SubscriptionState) => s === "from" || s === "both";

/**
 * Whether an action may be taken now (RFC 6121 §3): undefined when it may, else why not,
 * naming the state. `pending`: the contact's request waits for an answer.
 */
export function refusal(
  action: SubscriptionAction,
  contact: Pick<ContactRecord, "jid" | "subscription" | "ask" | "approved"> | undefined,
  pending: boolean,
  preApproval: boolean,
): string | undefined {
  const jid = contact?.jid ?? "the contact";
  const state = contact?.subscription ?? "none";
  const said = `(subscription: ${state}${contact?.ask ? ", asked" : ""}${pending ? ", request pending" : ""})`;
  switch (action) {
    case "request":
      return sees(state) ? `the account already sees ${jid}'s presence ${said}` : undefined;
    case "approve":
      if (seen(state)) return `${jid} already sees the account's presence ${said}`;
      if (pending || preApproval) return undefined;
      return `no request from ${jid} is pending, and the server offers no pre-approval (RFC 6121 §3.4) ${said}`;
    case "deny":
      return pending ? undefined : `no request from ${jid} is pending ${said}`;
    case "cancel":
      return seen(state) || contact?.approved
        ? undefined
        : `${jid} does not see the account's presence ${said}`;
    case "unsubscribe":
      return sees(state) || contact?.ask
        ? undefined
        : `the account does not see ${jid}'s presence and has not asked to ${said}`;
  }
}

/** The presence type each action sends (RFC 6121 §3.1.1, §3.1.4, §3.2.1, §3.3.1, §3.4). */
const PRESENCE_TYPE: Record<SubscriptionAction, string> = {
  request: "subscribe",
  approve: "subscribed",
  deny: "unsubscribed",
  cancel: "unsubscribed",
  unsubscribe: "unsubscribe",
};

function presenceOf(stanza: Element, resource: string): ContactPresence {
  const priority = Number.parseInt(stanza.getChildText("priority") ?? "0", 10);
  return {
    resource,
    show: stanza.getChildText("show") || null,
    status: stanza.getChildText("status") ?? null,
    priority: Number.isFinite(priority) ? priority : 0,
  };
}

export function createRoster(options: RosterOptions): AccountRoster {
  const { jid: account, owner, store, session, log } = options;
  const now = options.now ?? Date.now;
  let version: string | undefined;
  const contacts = new Map<string, ContactRecord>();
  const presence = new Map<string, Map<string, ContactPresence>>();
  const requests = new Map<string, SubscriptionRequestRecord>();

  const view = (contact: ContactRecord): ContactView => {
    const resources = [...(presence.get(contact.jid)?.values() ?? [])];
    resources.sort((a, b) => b.priority - a.priority || a.resource.localeCompare(b.resource));
    return { ...contact, presence: resources };
  };
  const stored = (what: string) => (err: unknown) =>
    log.error(`account ${what} not stored`, { account, err });

  const forgetRequest = (jid: string) => {
    if (!requests.delete(jid)) return;
    store.deleteSubscriptionRequest(owner, jid).catch(stored("subscription request"));
  };

  /** One roster push (§2.1.6) or item of a result. */
  const apply = (item: Element, pushVersion: string | undefined) => {
    const jid = parseJid(item.attrs.jid ?? "");
    if (!jid) return;
    const key = jidToString(bareJid(jid));
    if (item.attrs.subscription === "remove") {
      contacts.delete(key);
      presence.delete(key);
      forgetRequest(key);
      store.updateRoster(owner, pushVersion, { remove: key }).catch(stored("roster"));
      return;
    }
    const contact = contactOfItem(item);
    if (!contact) return;
    contacts.set(key, contact);
    // Without a subscription to the contact, its presence is not the account's to see (§3.3.2).
    if (!sees(contact.subscription)) presence.delete(key);
    // Answered (here or on another client): the request is no longer pending.
    if (seen(contact.subscription)) forgetRequest(key);
    store.updateRoster(owner, pushVersion, { contact }).catch(stored("roster"));
  };

  const iq = async (type: "get" | "set", query: Element): Promise<Element> => {
    const reply = await session.request(
      // To the account's own bare JID (RFC 6121 §2.1.3 allows it): the reply comes from it,
      // which is what the connection's iq tracker matches.
      xml("iq", { type, to: account, id: `roster-${crypto.randomUUID()}` }, query),
    );
    if (reply.attrs.type === "error") {
      throw StanzaError.fromElement(reply) ?? new StanzaError("cancel", "undefined-condition");
    }
    return reply;
  };

  const onPresence = (stanza: Element) => {
    const from = parseJid(stanza.attrs.from ?? "");
    if (!from) return;
    const bare = jidToString(bareJid(from));
    if (bare === account) return;
    // A room's occupants are the room's business (XEP-0045), not contacts.
    if (stanza.getChild("x", NS.mucUser)) return;
    switch (stanza.attrs.type) {
      case undefined:
      case "unavailable": {
        if (!contacts.has(bare)) return;
        const resources = presence.get(bare) ?? new Map<string, ContactPresence>();
        if (stanza.attrs.type === "unavailable") resources.delete(from.resource);
        else resources.set(from.resource, presenceOf(stanza, from.resource));
        if (resources.size === 0) presence.delete(bare);
        else presence.set(bare, resources);
        return;
      }
      case "subscribe": {
        if (seen(contacts.get(bare)?.subscription ?? "none")) return;
        const status = stanza.getChildText("status") ?? undefined;
        const request = { jid: bare, time: requests.get(bare)?.time ?? now(), status };
        requests.set(bare, request);
        store.putSubscriptionRequest(owner, request).catch(stored("subscription request"));
        return;
      }
      // The contact took its request back (§3.3.2).
      case "unsubscribe":
        forgetRequest(bare);
        return;
      default:
        return;
    }
  };

  return {
    async load() {
      const roster = await store.getRoster(owner);
      version = roster.version;
      contacts.clear();
      for (const contact of roster.contacts) contacts.set(contact.jid, contact);
      requests.clear();
      for (const request of await store.listSubscriptionRequests(owner)) {
        requests.set(request.jid, request);
      }
    },
    async fetch() {
      presence.clear();
      const versioned = session.offers().rosterVersioning;
      const reply = await iq(
        "get",
        xml("query", versioned ? { xmlns: NS.roster, ver: version ?? "" } : { xmlns: NS.roster }),
      );
      const query = reply.getChild("query", NS.roster);
      // §2.6.3: an empty result means the kept roster is current; pushes bring the changes.
      if (!query) return;
      contacts.clear();
      for (const item of query.getChildren("item")) {
        const contact = contactOfItem(item);
        if (contact) contacts.set(contact.jid, contact);
      }
      version = versioned ? query.attrs.ver : undefined;
      for (const [jid, contact] of contacts) if (seen(contact.subscription)) forgetRequest(jid);
      await store.replaceRoster(owner, { version, contacts: [...contacts.values()] });
    },
    contacts: () => [...contacts.values()].map(view),
    contact(jid) {
      const contact = contacts.get(jid);
      return contact && view(contact);
    },
    async set(jid, change) {
      const before = contacts.get(jid);
      const name = change.name === undefined ? before?.name : change.name || undefined;
      const groups = change.groups ?? before?.groups ?? [];
      await iq(
        "set",
        xml(
          "query",
          { xmlns: NS.roster },
          xml(
            "item",
            name ? { jid, name } : { jid },
            ...[...new Set(groups)].map((g) => xml("group", {}, g)),
          ),
        ),
      );
      // The push (§2.3.2) may come after the result: what the server now holds is this, and
      // the push, when it comes, says the same.
      const after = contacts.get(jid) ?? before;
      const saved: ContactRecord = {
        jid,
        subscription: after?.subscription ?? "none",
        ask: after?.ask ?? false,
        approved: after?.approved ?? false,
        ...(name ? { name } : {}),
        groups: [...new Set(groups)],
      };
      contacts.set(jid, saved);
      return view(saved);
    },
    async remove(jid) {
      await iq(
        "set",
        xml("query", { xmlns: NS.roster }, xml("item", { jid, subscription: "remove" })),
      );
      contacts.delete(jid);
      presence.delete(jid);
      forgetRequest(jid);
    },
    async subscription(jid, action) {
      const contact = contacts.get(jid);
      const why = refusal(action, contact, requests.has(jid), session.offers().preApproval);
      if (why) throw conflict(why);
      await session.send(xml("presence", { to: jid, type: PRESENCE_TYPE[action] }));
      if (action === "approve" || action === "deny") forgetRequest(jid);
      return view(
        contact ?? { jid, groups: [], subscription: "none", ask: false, approved: false },
      );
    },
    requests: () => [...requests.values()].sort((a, b) => a.time - b.time),
    observe(stanza) {
      try {
        if (stanza.name === "presence") {
          onPresence(stanza);
          return;
        }
        const query = stanza.name === "iq" ? stanza.getChild("query", NS.roster) : undefined;
        if (!query) return;
        // §2.1.6: a push carries exactly one item.
        const items = query.getChildren("item");
        if (items.length !== 1 || !items[0]) return;
        if (query.attrs.ver !== undefined) version = query.attrs.ver;
        apply(items[0], query.attrs.ver ?? version);
      } catch (err) {
        log.error("roster change not applied", { account, err });
      }
    },
  };
}
