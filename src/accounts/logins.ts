/**
 * Users who log in themselves (README, "Accounts"; mod_rest on a VirtualHost, MongooseIM's
 * client API, Openfire's one shared session): `Authorization: Basic base64(jid:password)` opens
 * a session for that account, or reuses the open one, shared by all its requests and streams,
 * and closed after XMPP_REST_SESSION_IDLE with no request and no open stream. The XMPP server
 * checks the password (the SASL outcome); the bridge keeps nothing but a salted hash in
 * memory to recognise the same credentials while the session lives. Off unless
 * XMPP_REST_ACCOUNT_DOMAINS lists the domains users may log in to (otherwise the bridge would
 * relay to any server); failed logins are limited per JID and per client address.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Principal } from "../access/principal.js";
import { generateToken, hashToken } from "../access/tokens.js";
import type { Logger } from "../log.js";
import { forbidden, notAuthorized, StanzaError, tooManyAttempts } from "../stanza/errors.js";
import { parseJid } from "../stanza/jid.js";
import { saslPrep } from "../xmpp/client/index.js";
import type { Accounts } from "./index.js";
import { createFailureLimiter } from "./limits.js";

/** A domain users may log in to, and where to connect for it (XMPP_REST_ACCOUNT_DOMAINS). */
export interface LoginDomain {
  readonly domain: string;
  readonly server: string | undefined;
}

export interface LoginSettings {
  /** Undefined: Basic logins are off. */
  readonly accountDomains: readonly LoginDomain[] | undefined;
  readonly sessionIdleMs: number;
}

export interface BasicLogins {
  readonly enabled: boolean;
  /** The account these credentials are (a session opened or reused); throws 401/403/429/502/504. */
  login(jid: string, password: string, client: string): Promise<Principal>;
  /** A short-lived token for the account's streams in a browser (?access_token=). */
  issueToken(jid: string): { readonly token: string; readonly expiresIn: number };
  /** The account a browser token belongs to, while it is valid (and the session open). */
  authenticate(token: string): Principal | undefined;
  stop(): Promise<void>;
}

export interface LoginOptions {
  readonly settings: LoginSettings;
  readonly accounts: Pick<Accounts, "get" | "open" | "close" | "checkPassword">;
  /** Open streams (SSE, WebSocket, long-poll) of the account: they keep its session alive. */
  readonly openStreams: (jid: string) => number;
  readonly log: Logger;
  /** Wrong passwords allowed per JID and per client address in a minute (the next is 429). */
  readonly maxFailures?: number;
  readonly tokenTtlMs?: number;
  readonly now?: () => number;
}

interface Known {
  readonly salt: Buffer;
  readonly digest: Buffer;
  lastUsed: number;
  /** Whether the bridge opened the session for this login (it closes it when idle). */
  readonly own: boolean;
}

const FAILURE_WINDOW_MS = 60_000;

export function createBasicLogins(options: LoginOptions): BasicLogins {
  const { settings, accounts, log } = options;
  const now = options.now ?? Date.now;
  const tokenTtlMs = options.tokenTtlMs ?? 600_000;
  const known = new Map<string, Known>();
  const pending = new Map<string, Promise<unknown>>();
  const tokens = new Map<string, { jid: string; expiresAt: number }>();
  const limiter = createFailureLimiter({
    max: options.maxFailures ?? 5,
    windowMs: FAILURE_WINDOW_MS,
    now,
  });
  const domains = new Map((settings.accountDomains ?? []).map((d) => [d.domain, d]));

  const salted = (salt: Buffer, password: string) =>
    createHash("sha256").update(salt).update(password, "utf8").digest();

  const remember = (jid: string, password: string, own: boolean) => {
    const salt = randomBytes(16);
    known.set(jid, { salt, digest: salted(salt, password), lastUsed: now(), own });
  };

  const refused = (jid: string, client: string, text: string) => {
    limiter.fail(`jid:${jid}`);
    limiter.fail(`ip:${client}`);
    log.info("basic login refused", { account: jid, client });
    return notAuthorized(text);
  };

  const closeIdle = async () => {
    for (const [jid, entry] of known) {
      if (now() - entry.lastUsed < settings.sessionIdleMs || options.openStreams(jid) > 0) continue;
      known.delete(jid);
      for (const [hash, token] of tokens) if (token.jid === jid) tokens.delete(hash);
      if (entry.own) await accounts.close(jid).catch(() => {});
    }
    for (const [hash, token] of tokens) if (token.expiresAt <= now()) tokens.delete(hash);
  };
  const sweeper = setInterval(
    () => void closeIdle(),
    Math.max(100, Math.min(settings.sessionIdleMs / 4, 10_000)),
  );
  sweeper.unref();

  const check = async (jid: string, password: string, client: string): Promise<Principal> => {
    const principal: Principal = { kind: "account", jid };
    const entry = known.get(jid);
    if (entry && accounts.get(jid)) {
      if (!timingSafeEqual(entry.digest, salted(entry.salt, password))) {
        throw refused(jid, client, "wrong credentials");
      }
      entry.lastUsed = now();
      return principal;
    }
    // An account the operator keeps: the bridge can tell from what it holds.
    const held = accounts.get(jid);
    if (held) {
      const match = accounts.checkPassword(jid, password);
      if (match === false) throw refused(jid, client, "wrong credentials");
      if (match === true) {
        remember(jid, password, held.transient);
        return principal;
      }
    }
    try {
      await accounts.open(jid, password, domains.get(jid.slice(jid.indexOf("@") + 1))?.server);
    } catch (err) {
      if (err instanceof StanzaError && err.status === 401)
        throw refused(jid, client, err.text ?? "wrong credentials");
      throw err;
    }
    remember(jid, password, true);
    return principal;
  };

  return {
    enabled: settings.accountDomains !== undefined,
    async login(raw, password, client) {
      if (settings.accountDomains === undefined) {
        throw notAuthorized(
          "Basic logins are off: the operator lists no XMPP_REST_ACCOUNT_DOMAINS",
        );
      }
      const parsed = parseJid(raw);
      if (!parsed || parsed.local === "" || parsed.resource !== "") {
        throw notAuthorized("the Basic user must be a bare JID (user@domain)");
      }
      const jid = `${parsed.local}@${parsed.domain}`;
      if (!domains.has(parsed.domain)) {
        throw forbidden(
          `${parsed.domain} is not in XMPP_REST_ACCOUNT_DOMAINS: users of it cannot log in here`,
        );
      }
      const wait = Math.max(limiter.blockedFor(`jid:${jid}`), limiter.blockedFor(`ip:${client}`));
      if (wait > 0) {
        throw tooManyAttempts(`too many failed logins; retry in ${wait}s`, wait);
      }
      if (!saslPrep(password).ok) throw refused(jid, client, "wrong credentials");
      // One login at a time per account: a second request waits for the first's session.
      for (let inFlight = pending.get(jid); inFlight; inFlight = pending.get(jid)) {
        await inFlight.catch(() => {});
      }
      const attempt = check(jid, password, client);
      pending.set(jid, attempt);
      try {
        return await attempt;
      } finally {
        if (pending.get(jid) === attempt) pending.delete(jid);
      }
    },
    issueToken(jid) {
      const token = generateToken();
      tokens.set(hashToken(token), { jid, expiresAt: now() + tokenTtlMs });
      return { token, expiresIn: Math.round(tokenTtlMs / 1000) };
    },
    authenticate(token) {
      const entry = tokens.get(hashToken(token));
      if (!entry || entry.expiresAt <= now() || !accounts.get(entry.jid)) return undefined;
      const session = known.get(entry.jid);
      if (session) session.lastUsed = now();
      return { kind: "account", jid: entry.jid };
    },
    async stop() {
      clearInterval(sweeper);
      known.clear();
      tokens.clear();
    },
  };
}
