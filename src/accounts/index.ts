/**
 * Accounts (README, "Accounts"): existing XMPP accounts the operator keeps online through the
 * bridge, each an owner (`account:<jid>`) with everything a bot has: a token, its event log
 * or webhook, its history (from its own archive), its rooms. This module holds them: the
 * registry (PUT, GET, DELETE), their sessions, their sealed secrets, and the catch-up that
 * recovers from the archive what a gap lost.
 */

import { randomBytes } from "node:crypto";
import xml, { type Element } from "@xmpp/xml";
import type { Principal } from "../access/principal.js";
import { generateToken, hashToken, TokenTable } from "../access/tokens.js";
import { createInboundIqs, type InboundIqs } from "../bots/iq-answers.js";
import type { Logger } from "../log.js";
import type { Metrics } from "../metrics.js";
import { type Owner, ownerId } from "../owner.js";
import { addAccountNote } from "../stanza/account-notes.js";
import { notAllowed, notAuthorized, StanzaError, timedOut, unavailable } from "../stanza/errors.js";
import { type Jid, parseJid } from "../stanza/jid.js";
import type { AccountRecord, AccountStore } from "../store/accounts.js";
import type { BotWebhook } from "../store/bots.js";
import type { ContactStore, ConversationRecord } from "../store/contacts.js";
import type { EventLog } from "../store/events.js";
import type { HistoryStore } from "../store/history.js";
import type { DispatcherOptions } from "../webhook/dispatcher.js";
import type { RetryResult } from "../webhook/index.js";
import { createOwnerWebhooks } from "../webhook/owners.js";
import { accountScope } from "../webhook/scope.js";
import type { WebhookSettings } from "../webhook/settings.js";
import type { ClientConnection, SrvResolver } from "../xmpp/client/index.js";
import {
  type ConnectionInstruments,
  connectionMetrics,
  countedStates,
} from "../xmpp/connection-metrics.js";
import { queryArchive } from "./archive.js";
import type { Bookmark } from "./bookmarks.js";
import type { AccountConversations } from "./conversations.js";
import { type AccountHistoryPage, type AccountHistoryQuery, accountHistory } from "./history.js";
import type { AccountInput, AccountSettings, PresenceSettings } from "./input.js";
import { type AccountPeople, createAccountPeople } from "./people.js";
import type { AccountRoster } from "./roster.js";
import { bareOf, createAccountRouter, type DeliverOptions, isRosterPush } from "./router.js";
import { type LoginSecrets, type Sealer, secretsMatch } from "./secrets.js";
import {
  type AccountFeatures,
  type AccountSession,
  type AccountState,
  createAccountSession,
} from "./session.js";

export type { AccountState } from "./session.js";
export { ACCOUNT_STATES } from "./session.js";

/** An account as the rest of the bridge sees it (never a secret). */
export interface Account {
  readonly jid: string;
  readonly owner: Owner;
  readonly settings: AccountSettings;
  readonly webhook: BotWebhook | undefined;
  readonly tokenCount: number;
  readonly state: AccountState;
  /** The full JID of its session. */
  readonly boundJid: string | undefined;
  readonly features: AccountFeatures;
  readonly lastError: string | undefined;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** A user's own login (Basic), not kept by the operator. */
  readonly transient: boolean;
}

export interface PutAccountResult {
  readonly account: Account;
  readonly created: boolean;
  /** Generated for a new account; shown once, stored hashed. */
  readonly token?: string;
}

export interface AccountsSettings extends WebhookSettings {
  readonly iqTimeoutMs: number;
  readonly maxPendingIq: number;
  readonly serverStanzaLimit: number;
}

export interface AccountsOptions {
  readonly config: AccountsSettings;
  readonly store: AccountStore &
    ContactStore &
    Pick<EventLog, "append"> &
    Pick<HistoryStore, "appendHistory" | "amendHistory" | "pageHistory"> &
    DispatcherOptions["store"];
  /** Undefined without XMPP_REST_SECRET_KEY: accounts cannot be added then. */
  readonly sealer: Sealer | undefined;
  readonly resolver: SrvResolver;
  /** Extra CAs trusted for the accounts' servers (XMPP_REST_ACCOUNT_CA_FILE). */
  readonly ca?: string | Buffer | undefined;
  readonly log: Logger;
  /**
   * Sends a stanza as an account through the one way out (src/outbound/: scope, from rule,
   * link state): subscription presence, markers.
   */
  readonly sendOut: (owner: Owner, stanza: Element) => Promise<void>;
  /** Joins an account's bookmarked rooms marked autojoin, at login (through src/rooms/). */
  readonly joinRooms: (owner: Owner, rooms: readonly Bookmark[]) => void;
  readonly metrics: ConnectionInstruments & Pick<Metrics, "webhookDeliveries">;
  /** How long PUT waits for the first login. */
  readonly loginTimeoutMs?: number;
  /** Reconnect pacing and pings (tests shorten them). */
  readonly initialBackoffMs?: number;
  readonly pingIntervalMs?: number;
}

export interface Accounts {
  /** Reads the stored accounts and brings each online. */
  load(): Promise<void>;
  get(jid: string): Account | undefined;
  list(): Account[];
  /** Logs in and keeps the account (201), or updates it (200); 401/502/504 when the login fails. */
  put(jid: string, input: AccountInput): Promise<PutAccountResult>;
  /** Unavailable presence, stream closed, everything about it forgotten. */
  delete(jid: string): Promise<boolean>;
  /**
   * A session for a user who logs in with Basic (README, "Accounts", "Users who log in
   * themselves"): kept in memory only (no store row, no token), closed by close(). The
   * server checks the password; 401/502/504 as PUT.
   */
  open(jid: string, password: string, server: string | undefined): Promise<Account>;
  /** Ends a session open() made (unavailable presence, stream closed); its log stays. */
  close(jid: string): Promise<void>;
  /**
   * Whether the password is the one this account logs in with, checked in constant time
   * against what the bridge holds (the password, or the SCRAM keys derived again with the
   * server's salt); undefined when the bridge cannot tell.
   */
  checkPassword(jid: string, password: string): boolean | undefined;
  authenticate(token: string): Principal | undefined;
  onChange(listener: (jid: string) => void): () => void;
  /** The account's contacts, presence of contacts and subscription requests (RFC 6121). */
  rosterOf(jid: string): AccountRoster | undefined;
  /** Keeps a room the account joined among its bookmarks (XEP-0402, else XEP-0048). */
  bookmark(jid: string, bookmark: Bookmark): void;
  unbookmark(jid: string, room: string): void;
  /** The account's conversations with their last message and unread count. */
  conversationsOf(jid: string): AccountConversations | undefined;
  /**
   * The account read a conversation up to a message (XEP-0333 displayed, sent through the one
   * way out; its other clients see it as a carbon): the conversation after it.
   */
  markRead(jid: string, peer: string, upTo: string | undefined): Promise<ConversationRecord>;
  /** The presence the account shows. */
  presenceOf(jid: string): PresenceSettings | undefined;
  /** Shows a presence now and at later logins (kept with an operator's account). */
  setPresence(jid: string, presence: PresenceSettings): Promise<PresenceSettings>;
  /** The account's session, for the way out. */
  connectionOf(jid: string): ClientConnection | undefined;
  /** Every stanza any account's session receives (before routing). */
  onStanza(handler: (jid: string, stanza: Element) => void): () => void;
  /** Delivers a stanza routed to an account (src/inbound/). */
  deliver(owner: Owner, stanza: Element, to: Jid, options: DeliverOptions): void;
  readonly inboundIqs: InboundIqs;
  /** Keeps a message the account sent in its store history (for servers without an archive). */
  recordOutgoing(jid: string, stanza: Element): void;
  retryDelivery(jid: string, id: string): Promise<RetryResult>;
  /** A page of the account's history: its archive where its server has one, else the store. */
  history(jid: string, query: AccountHistoryQuery): Promise<AccountHistoryPage>;
  stop(drainTimeoutMs: number): Promise<void>;
}

interface Held {
  record: AccountRecord;
  settings: AccountSettings;
  secrets: LoginSecrets;
  session: AccountSession;
  people: AccountPeople;
  /** Its contacts and conversations are read from the store (then the session starts). */
  ready: Promise<void>;
  /** Archive ids delivered lately (catch-up de-duplication). */
  seen: Set<string>;
  /** A Basic login's session: in memory only. */
  transient: boolean;
  /** While a catch-up runs, live archive ids are not written as the position. */
  catchingUp: boolean;
}

const SEEN_LIMIT = 256;
const CATCHUP_PAGE = 50;
/** Archived messages a new account's conversation list starts from. */
const CONVERSATION_SEED = 100;

/** Why a first login failed, as the PUT answers it. */
function loginError(kind: string, reason: string): StanzaError {
  const state = kind === "auth" ? "auth-failed" : kind === "tls" ? "tls-failed" : "disconnected";
  const text = `login failed (${state}): ${reason}`;
  if (kind === "auth") return notAuthorized(text);
  if (kind === "timeout") return timedOut(text);
  return new StanzaError("cancel", "remote-server-not-found", { text, status: 502 });
}

export function createAccounts(options: AccountsOptions): Accounts {
  const { config, store, sealer, log } = options;
  const held = new Map<string, Held>();
  const tokens = new TokenTable<Principal>();
  const listeners = new Set<(jid: string) => void>();
  const stanzaHandlers = new Set<(jid: string, stanza: Element) => void>();
  const metrics = connectionMetrics(options.metrics, "account");
  const owner = (jid: string): Owner => ({ kind: "account", jid });

  const view = (h: Held): Account => ({
    jid: h.record.jid,
    owner: owner(h.record.jid),
    settings: h.settings,
    webhook: h.record.webhook,
    tokenCount: h.record.tokenHashes.length,
    state: h.session.state,
    boundJid: h.session.connection.boundJid,
    features: h.session.features,
    lastError: h.session.lastError,
    createdAt: h.record.createdAt,
    updatedAt: h.record.updatedAt,
    transient: h.transient,
  });

  const tokensOf = (jid: string) =>
    tokens.setFor(jid, held.get(jid)?.record.tokenHashes ?? [], owner(jid));
  const rebuildTokens = () => {
    tokens.replace([]);
    for (const jid of held.keys()) tokensOf(jid);
  };
  const changed = (jid: string) => {
    // This account's tokens only: a rebuild per change made n logins cost O(n²).
    tokensOf(jid);
    for (const listener of [...listeners]) {
      try {
        listener(jid);
      } catch (err) {
        log.error("account change listener failed", { account: jid, err });
      }
    }
  };

  const sendAs = async (jid: string, stanza: Element) => {
    const h = held.get(jid);
    if (!h) throw unavailable(`account ${jid} is not kept online`);
    await h.session.connection.send(stanza);
  };

  const webhooks = createOwnerWebhooks({
    config,
    webhookOf: (o) => (o.kind === "account" ? held.get(o.jid)?.record.webhook : undefined),
    onChange: (listener) => {
      const wrapped = (jid: string) => listener(owner(jid));
      listeners.add(wrapped);
      return () => listeners.delete(wrapped);
    },
    linkFor: (o) => ({ send: (stanza) => sendAs(o.kind === "account" ? o.jid : "", stanza) }),
    scopeOf: (o) => (o.kind === "account" ? accountScope(o.jid) : undefined),
    log,
    store,
    metrics: options.metrics,
  });

  const inboundIqs = createInboundIqs({
    // The bridge's own timeout answer leaves on the session the iq came in on.
    link: {
      send: (reply) => sendAs(reply.attrs.from?.split("/")[0] ?? "", reply),
    },
    timeoutMs: config.iqTimeoutMs,
    maxPending: config.maxPendingIq,
    log,
  });

  /** Notes a delivered archive id; false when it was delivered already (a repeat). */
  const archived = (h: Held, id: string, live: boolean): boolean => {
    if (h.seen.has(id)) return false;
    h.seen.add(id);
    if (h.seen.size > SEEN_LIMIT) {
      const oldest = h.seen.values().next().value;
      if (oldest !== undefined) h.seen.delete(oldest);
    }
    if (live && h.catchingUp) return true;
    h.record = { ...h.record, lastArchiveId: id };
    store.setAccountArchiveId(h.record.jid, id).catch((err: unknown) => {
      log.error("archive position not stored", { account: h.record.jid, err });
    });
    return true;
  };

  const router = createAccountRouter({
    store,
    send: sendAs,
    track: (iq, o) => inboundIqs.track(iq, ownerId(o)),
    webhook: (o, stanza, to) => webhooks.handle(o, stanza, to),
    archived: (jid, id) => {
      const h = held.get(jid);
      return h ? archived(h, id, true) : true;
    },
    observe: (jid, message, direction, time) =>
      held.get(jid)?.people.conversations.observe(message, direction, time),
    log,
  });

  /**
   * README, "Miss nothing": after a session that is not a resumption, page the archive from
   * the last id the bridge saw and deliver each message once, in order, marked catchup.
   * Without a position yet (a new account) the archive's newest id becomes the position.
   */
  const catchUp = async (h: Held) => {
    const jid = h.record.jid;
    const connection = h.session.connection;
    if (!h.session.features.archive) return;
    h.catchingUp = true;
    try {
      let after = h.record.lastArchiveId;
      if (after === undefined) {
        // The newest page also starts the conversation list (README, "Conversations"): the
        // messages are older than the account's time with the bridge, not events.
        const newest = await queryArchive(
          connection,
          jid,
          { before: "", max: CONVERSATION_SEED },
          config.iqTimeoutMs,
        );
        for (const item of newest.messages) {
          const own = bareOf(item.message.attrs.from) === jid;
          h.people.conversations.observe(item.message, own ? "out" : "in", item.time);
        }
        const last = newest.messages.at(-1);
        if (last) archived(h, last.id, false);
        return;
      }
      for (let pages = 0; pages < 1_000; pages++) {
        const page = await queryArchive(
          connection,
          jid,
          { after, max: CATCHUP_PAGE },
          config.iqTimeoutMs,
        );
        for (const item of page.messages) {
          after = item.id;
          if (h.seen.has(item.id)) continue;
          archived(h, item.id, false);
          deliverNow(h, item.message, { history: false, catchup: true, time: item.time });
        }
        if (page.complete || page.messages.length === 0) break;
      }
    } catch (err) {
      log.warn("archive catch-up failed", { account: jid, err });
    } finally {
      h.catchingUp = false;
    }
  };

  const deliverNow = (h: Held, stanza: Element, delivery: DeliverOptions) => {
    const to = parseJid(stanza.attrs.to ?? "") ?? parseJid(h.record.jid);
    if (!to) return;
    router.deliver(
      { jid: h.record.jid, owner: owner(h.record.jid), webhook: h.record.webhook !== undefined },
      stanza,
      to,
      delivery,
    );
  };

  const stateChanged = (h: Held, state: AccountState, reason: string | undefined) => {
    if (state !== "auth-failed") return;
    log.warn("account login refused", { account: h.record.jid, reason });
    // The account's consumers hear of it as an event in its log.
    const domain = h.record.jid.slice(h.record.jid.indexOf("@") + 1);
    const note = addAccountNote(
      xml("message", { type: "headline", from: domain, to: h.record.jid }),
      { state, reason },
    );
    deliverNow(h, note, { history: false });
  };

  const startSession = (
    record: AccountRecord,
    settings: AccountSettings,
    secrets: LoginSecrets,
  ): Held => {
    const h = {
      record,
      settings,
      secrets,
      seen: new Set<string>(),
      catchingUp: false,
      transient: false,
    } as Held;
    h.session = createAccountSession({
      jid: record.jid,
      settings,
      secrets: () => h.secrets,
      keepSecrets(next) {
        h.secrets = next;
        if (!sealer) return;
        const sealed = sealer.seal(next, record.jid);
        h.record = { ...h.record, credentials: sealed };
        // Only once the account is kept (a PUT whose login fails stores nothing).
        if (held.get(record.jid) === h && !h.transient) {
          store.setAccountCredentials(record.jid, sealed).catch((err: unknown) => {
            log.error("account credentials not stored", { account: record.jid, err });
          });
        }
      },
      resolver: options.resolver,
      ca: options.ca,
      log,
      // One set of series for every account: their state gauges count the sessions per state.
      metrics: { ...metrics, state: countedStates(metrics.state) },
      stanzaLimit: config.serverStanzaLimit,
      iqTimeoutMs: config.iqTimeoutMs,
      ...(options.initialBackoffMs !== undefined
        ? { initialBackoffMs: options.initialBackoffMs }
        : {}),
      ...(options.pingIntervalMs !== undefined ? { pingIntervalMs: options.pingIntervalMs } : {}),
      // RFC 6121 §2.2: the roster before the initial presence, then what a gap lost.
      beforePresence: async () => {
        await h.people.roster.fetch().catch((err: unknown) => {
          log.warn("roster not fetched", { account: record.jid, err });
        });
        await catchUp(h);
      },
      stateChanged: (state, reason) => stateChanged(h, state, reason),
      afterPresence: () => {
        // A message that reached the server between that catch-up and the initial presence
        // found no available resource: a server without offline storage keeps it only in the
        // archive. One more page from the new position closes the gap; ids seen live are
        // skipped, so each message is still delivered once.
        void catchUp(h);
        h.people.autojoin((rooms) => options.joinRooms(owner(record.jid), rooms));
      },
    });
    h.session.connection.onStanza((stanza) => {
      for (const handler of stanzaHandlers) handler(record.jid, stanza);
    });
    h.people = createAccountPeople({
      jid: record.jid,
      owner: ownerId(owner(record.jid)),
      store,
      connection: () => h.session.connection,
      send: (stanza) => options.sendOut(owner(record.jid), stanza),
      iqTimeoutMs: config.iqTimeoutMs,
      log,
    });
    // What the store keeps of its contacts first: the session's roster fetch builds on it.
    h.ready = h.people.load().then(
      () => h.session.start(),
      (err: unknown) => {
        log.error("account contacts not read from the store", { account: record.jid, err });
        h.session.start();
      },
    );
    return h;
  };

  const requireSealer = (): Sealer => {
    if (!sealer) {
      throw notAllowed(
        "accounts need XMPP_REST_SECRET_KEY (or XMPP_REST_SECRET_KEY_FILE): 32 random bytes as 64 hex digits, to seal their passwords in the store",
      );
    }
    return sealer;
  };

  return {
    async load() {
      for (const record of await store.listAccounts()) {
        if (!sealer) {
          log.warn("account not started: no XMPP_REST_SECRET_KEY to open its credentials", {
            account: record.jid,
          });
          continue;
        }
        let secrets: LoginSecrets;
        try {
          secrets = sealer.open(record.credentials, record.jid);
        } catch {
          log.error("account not started: its credentials do not open with this key", {
            account: record.jid,
          });
          continue;
        }
        const settings = JSON.parse(record.settings) as AccountSettings;
        held.set(record.jid, startSession(record, settings, secrets));
      }
      await Promise.all([...held.values()].map((h) => h.ready));
      rebuildTokens();
      webhooks.start(
        [...held.values()].filter((h) => h.record.webhook).map((h) => owner(h.record.jid)),
      );
    },
    get(jid) {
      const h = held.get(jid);
      return h && view(h);
    },
    list() {
      return [...held.values()]
        .filter((h) => !h.transient)
        .map(view)
        .sort((a, b) => a.jid.localeCompare(b.jid));
    },
    async put(jid, input) {
      const seal = requireSealer();
      const previous = held.get(jid);
      // A user's own session (Basic) is replaced, but the account is new to the store.
      const existing = previous?.transient ? undefined : previous;
      const time = Date.now();
      let token: string | undefined;
      let tokenHashes = existing?.record.tokenHashes;
      if (!tokenHashes) {
        token = generateToken();
        tokenHashes = [hashToken(token)];
      }
      const secrets: LoginSecrets = { password: input.password };
      const record: AccountRecord = {
        jid,
        credentials: seal.seal(secrets, jid),
        settings: JSON.stringify(input.settings),
        webhook: input.webhook,
        tokenHashes,
        ...(existing?.record.lastArchiveId ? { lastArchiveId: existing.record.lastArchiveId } : {}),
        createdAt: existing?.record.createdAt ?? time,
        updatedAt: time,
      };
      // One session per account: the old one goes before the new one logs in.
      if (previous) {
        held.delete(jid);
        await previous.session.stop();
      }
      const h = startSession(record, input.settings, secrets);
      const outcome = await h.session.firstOutcome(options.loginTimeoutMs ?? 20_000);
      if (!outcome.ok) {
        await h.session.stop();
        if (existing) {
          // The stored account stays as it was, and online as before.
          const again = startSession(existing.record, existing.settings, existing.secrets);
          held.set(jid, again);
        }
        throw loginError(outcome.kind, outcome.reason);
      }
      h.record = { ...record, credentials: h.record.credentials };
      held.set(jid, h);
      await store.putAccount(h.record);
      changed(jid);
      log.info(existing ? "account updated" : "account added", { account: jid });
      return { account: view(h), created: !existing, ...(token ? { token } : {}) };
    },
    async open(jid, password, server) {
      const existing = held.get(jid);
      if (existing) return view(existing);
      const time = Date.now();
      const settings: AccountSettings = {
        server,
        resource: `xmpp-rest-${randomBytes(3).toString("hex")}`,
        presence: {},
      };
      const record: AccountRecord = {
        jid,
        credentials: "",
        settings: JSON.stringify(settings),
        tokenHashes: [],
        createdAt: time,
        updatedAt: time,
      };
      const h = startSession(record, settings, { password });
      h.transient = true;
      const outcome = await h.session.firstOutcome(options.loginTimeoutMs ?? 20_000);
      if (!outcome.ok) {
        await h.session.stop();
        throw loginError(outcome.kind, outcome.reason);
      }
      // Another request may have opened it meanwhile: one session per account.
      const raced = held.get(jid);
      if (raced) {
        await h.session.stop();
        return view(raced);
      }
      held.set(jid, h);
      changed(jid);
      log.info("account session opened", { account: jid });
      return view(h);
    },
    async close(jid) {
      const h = held.get(jid);
      if (!h?.transient) return;
      held.delete(jid);
      await h.session.stop();
      changed(jid);
      log.info("account session closed", { account: jid });
    },
    checkPassword(jid, password) {
      const h = held.get(jid);
      return h ? secretsMatch(h.secrets, password) : undefined;
    },
    async delete(jid) {
      const h = held.get(jid);
      if (h?.transient) return false;
      const existed = await store.deleteAccount(jid, ownerId(owner(jid)));
      if (h) {
        held.delete(jid);
        await h.session.stop();
      }
      if (h || existed) changed(jid);
      log.info("account deleted", { account: jid });
      return Boolean(h) || existed;
    },
    authenticate: (token) => tokens.find(token),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    connectionOf: (jid) => held.get(jid)?.session.connection,
    rosterOf: (jid) => held.get(jid)?.people.roster,
    conversationsOf: (jid) => held.get(jid)?.people.conversations,
    bookmark(jid, bookmark) {
      held
        .get(jid)
        ?.people.bookmarks.put(bookmark)
        .catch((err: unknown) => log.warn("bookmark not kept", { account: jid, err }));
    },
    unbookmark(jid, room) {
      held
        .get(jid)
        ?.people.bookmarks.remove(room)
        .catch((err: unknown) => log.warn("bookmark not removed", { account: jid, err }));
    },
    async markRead(jid, peer, upTo) {
      const h = held.get(jid);
      if (!h) throw unavailable(`account ${jid} is not kept online`);
      const marker = h.people.conversations.read(peer, upTo);
      await options.sendOut(owner(jid), marker);
      const after = h.people.conversations.get(peer);
      if (!after) throw unavailable(`account ${jid} is not kept online`);
      return after;
    },
    presenceOf: (jid) => held.get(jid)?.session.presence,
    async setPresence(jid, presence) {
      const h = held.get(jid);
      if (!h) throw unavailable(`account ${jid} is not kept online`);
      await h.session.setPresence(presence);
      h.settings = { ...h.settings, presence };
      if (!h.transient) {
        h.record = { ...h.record, settings: JSON.stringify(h.settings), updatedAt: Date.now() };
        await store.putAccount(h.record);
      }
      return presence;
    },
    onStanza(handler) {
      stanzaHandlers.add(handler);
      return () => stanzaHandlers.delete(handler);
    },
    deliver(o, stanza, to, delivery) {
      if (o.kind !== "account") return;
      const h = held.get(o.jid);
      if (!h) return;
      if (stanza.name === "presence" || isRosterPush(stanza, o.jid))
        h.people.roster.observe(stanza);
      router.deliver(
        { jid: o.jid, owner: o, webhook: h.record.webhook !== undefined },
        stanza,
        to,
        delivery,
      );
    },
    inboundIqs,
    recordOutgoing(jid, stanza) {
      router.recordOutgoing({ jid, owner: owner(jid), webhook: false }, stanza);
    },
    retryDelivery: (jid, id) => webhooks.retry(owner(jid), id),
    async history(jid, query) {
      const h = held.get(jid);
      if (!h) throw unavailable(`account ${jid} is not kept online`);
      if (h.session.features.archive && h.session.connection.state !== "online") {
        throw unavailable(
          `account ${jid} is offline; its archive answers once it is back`,
          h.session.connection.retryAfterSeconds(),
        );
      }
      return accountHistory(jid, query, {
        archive: h.session.features.archive ? h.session.connection : undefined,
        store,
        owner: ownerId(owner(jid)),
        timeoutMs: config.iqTimeoutMs,
      });
    },
    async stop(drainTimeoutMs) {
      inboundIqs.clear();
      await webhooks.stop(drainTimeoutMs);
      await Promise.allSettled([...held.values()].map((h) => h.session.stop()));
      held.clear();
      // Their tokens go with them (another process may hold them now).
      rebuildTokens();
    },
  };
}
