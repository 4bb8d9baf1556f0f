/**
 * One account kept online: its client connection (src/xmpp/client), what its server offers,
 * and what a new session needs before it is of use (RFC 6121 §4.2 initial presence, XEP-0280
 * carbons). Its state is the connection's, told apart where the operator must act:
 * `auth-failed` (the server refused the credentials: nothing is retried until a new PUT) and
 * `tls-failed` (the server's certificate is not trusted: retried with backoff).
 */
import { randomBytes } from "node:crypto";
import xml, { type Element } from "@xmpp/xml";
import type { Logger } from "../log.js";
import { NS } from "../stanza/ns.js";
import {
  type ClientConnection,
  createClientConnection,
  type FailureKind,
  parseServer,
  type SaslOutcome,
  type SrvResolver,
} from "../xmpp/client/index.js";
import type { ConnectionMetrics } from "../xmpp/connection-metrics.js";
import type { SupervisionTiming } from "../xmpp/supervisor.js";
import type { AccountSettings, PresenceSettings } from "./input.js";
import type { LoginSecrets } from "./secrets.js";

export const ACCOUNT_STATES = [
  "online",
  "connecting",
  "auth-failed",
  "tls-failed",
  "disconnected",
] as const;
export type AccountState = (typeof ACCOUNT_STATES)[number];

/** What the account's server offers (learnt at each new session). */
export interface AccountFeatures {
  /** XEP-0313 on the account's own JID. */
  readonly archive: boolean;
  /** XEP-0280, and enabled for this session. */
  readonly carbons: boolean;
  /** XEP-0198. */
  readonly streamManagement: boolean;
}

export type FirstOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly kind: FailureKind; readonly reason: string };

export interface SessionOptions extends SupervisionTiming {
  readonly jid: string;
  readonly settings: AccountSettings;
  /** The secrets as they are now (they change when the password is dropped for keys). */
  readonly secrets: () => LoginSecrets;
  /** Called when a login shows the secrets should be kept differently. */
  readonly keepSecrets: (secrets: LoginSecrets) => void;
  readonly resolver: SrvResolver;
  readonly ca?: string | Buffer | undefined;
  readonly log: Logger;
  readonly metrics: ConnectionMetrics;
  readonly stanzaLimit?: number;
  readonly iqTimeoutMs: number;
  readonly pingIntervalMs?: number;
  /**
   * A new session, carbons on, before its initial presence: what a gap lost is recovered
   * now, before the server hands the session anything held for it (RFC 6121 §4.2.2).
   */
  readonly beforePresence: () => Promise<void>;
  /** A new session is set up and its presence sent (rooms to join come now). */
  readonly afterPresence?: () => void;
  /** The state changed (auth-failed after a password change is worth an event). */
  readonly stateChanged: (state: AccountState, reason: string | undefined) => void;
}

export interface AccountSession {
  readonly jid: string;
  readonly connection: ClientConnection;
  readonly state: AccountState;
  readonly lastError: string | undefined;
  readonly features: AccountFeatures;
  /** The presence the account shows (or will at its next login). */
  readonly presence: PresenceSettings;
  /** Shows another presence now (when online) and at every later login. */
  setPresence(presence: PresenceSettings): Promise<void>;
  start(): void;
  /** The first login's outcome: online, or why not (auth and TLS failures end the wait at once). */
  firstOutcome(timeoutMs: number): Promise<FirstOutcome>;
  /** Unavailable presence, the stream closed (RFC 6121 §4.5). */
  stop(): Promise<void>;
}

const same = (a: LoginSecrets["scram"], b: LoginSecrets["scram"]) =>
  a !== undefined &&
  b !== undefined &&
  a.hash === b.hash &&
  a.salt === b.salt &&
  a.iterations === b.iterations;

/**
 * What to keep after a login (README, "Accounts", security): a server whose SCRAM salt stays
 * the same from one login to the next stores hashed passwords, and the salted keys are
 * enough to log in there again (RFC 5802 §3), so the password is dropped; a server that
 * draws a new salt each time keeps plain passwords, and the password must stay.
 */
export function secretsAfterLogin(
  before: LoginSecrets,
  outcome: SaslOutcome,
): LoginSecrets | undefined {
  if (!outcome.scram || before.password === undefined) return undefined;
  if (same(before.scram, outcome.scram)) return { scram: outcome.scram };
  return { password: before.password, scram: outcome.scram };
}

/** The presence stanza for the account's own presence (RFC 6121 §4.2, §4.5, §4.7). */
export function presenceStanza(presence: PresenceSettings): Element {
  const { show, status, priority } = presence;
  if (presence.available === false) {
    return xml("presence", { type: "unavailable" }, status ? xml("status", {}, status) : null);
  }
  return xml(
    "presence",
    {},
    show ? xml("show", {}, show) : null,
    status !== undefined ? xml("status", {}, status) : null,
    priority !== undefined ? xml("priority", {}, String(priority)) : null,
  );
}

export function createAccountSession(options: SessionOptions): AccountSession {
  const { jid, settings, log, iqTimeoutMs } = options;
  let presence = settings.presence;
  const domain = jid.slice(jid.indexOf("@") + 1);
  let failure: { kind: FailureKind; reason: string } | undefined;
  let lastError: string | undefined;
  let features: AccountFeatures = { archive: false, carbons: false, streamManagement: false };
  let authFailed = false;
  const outcomeWaiters = new Set<(outcome: FirstOutcome) => void>();
  let settled: FirstOutcome | undefined;

  const settle = (outcome: FirstOutcome) => {
    if (settled) return;
    settled = outcome;
    for (const waiter of outcomeWaiters) waiter(outcome);
    outcomeWaiters.clear();
  };

  const query = async (to: string, namespace: string) => {
    const iq = xml(
      "iq",
      { type: "get", to, id: `xr-${randomBytes(6).toString("hex")}` },
      xml("query", { xmlns: namespace }),
    );
    const { reply } = await connection.request(iq, iqTimeoutMs);
    return reply;
  };
  const offers = (reply: Element, feature: string) =>
    reply.attrs.type === "result" &&
    (reply.getChild("query", NS.discoInfo)?.getChildren("feature") ?? []).some(
      (f) => f.attrs.var === feature,
    );

  /** A new session: carbons on where offered (XEP-0280 §4), then initial presence. */
  const setUp = async () => {
    const [server, own] = await Promise.all([
      query(domain, NS.discoInfo),
      query(jid, NS.discoInfo),
    ]);
    let carbons = false;
    if (offers(server, NS.carbons)) {
      // To the account's own bare JID: the server answers for it (RFC 6120 §10.3.3).
      const enable = xml(
        "iq",
        { type: "set", to: jid, id: `xr-${randomBytes(6).toString("hex")}` },
        xml("enable", { xmlns: NS.carbons }),
      );
      const { reply } = await connection.request(enable, iqTimeoutMs);
      carbons = reply.attrs.type === "result";
    }
    features = {
      archive: offers(own, NS.mam) || offers(server, NS.mam),
      carbons,
      streamManagement: connection.streamManagement,
    };
    await options.beforePresence();
    // Unavailable: no initial presence at all (RFC 6121 §4.2: the session stays hidden).
    if (presence.available !== false) await connection.send(presenceStanza(presence));
    // The server handles a session's stanzas in order: once a ping is answered, the presence
    // is in effect, and messages to the bare JID come to this session (RFC 6121 §8.5.2).
    await connection.request(
      xml(
        "iq",
        { type: "get", to: domain, id: `xr-${randomBytes(6).toString("hex")}` },
        xml("ping", { xmlns: NS.ping }),
      ),
      iqTimeoutMs,
    );
  };

  const server = settings.server ? parseServer(settings.server) : undefined;
  const connection = createClientConnection({
    ...options,
    jid,
    resource: settings.resource,
    credentials: () => {
      const secrets = options.secrets();
      return {
        username: jid.slice(0, jid.indexOf("@")),
        password: secrets.password,
        scram: secrets.scram,
      };
    },
    server,
    plaintext: settings.plaintext === true,
    onLogin(outcome) {
      const next = secretsAfterLogin(options.secrets(), outcome);
      if (next) options.keepSecrets(next);
    },
    onSession({ resumed }) {
      failure = undefined;
      lastError = undefined;
      const done = resumed ? Promise.resolve() : setUp();
      done.then(
        () => {
          settle({ ok: true });
          if (!resumed) options.afterPresence?.();
        },
        (err: unknown) => {
          lastError = `setting up the session failed: ${err instanceof Error ? err.message : String(err)}`;
          log.warn("account session not set up", { account: jid, err });
          settle({ ok: true });
        },
      );
    },
    onFailure(kind, reason) {
      failure = { kind, reason };
      lastError = reason;
      if (kind === "auth") {
        authFailed = true;
        // Wrong credentials stay wrong: retrying would only lock the account on the server.
        void connection.stop();
        options.stateChanged("auth-failed", reason);
      }
      // The first attempt's failure is the PUT's answer (a later one is retried).
      settle({ ok: false, kind, reason });
    },
  });
  connection.onStateChange((state, reason) => {
    if (state === "offline" && reason) lastError = reason;
    if (state === "online" || state === "offline") options.stateChanged(session.state, lastError);
  });

  const session: AccountSession = {
    jid,
    connection,
    get state(): AccountState {
      if (authFailed) return "auth-failed";
      switch (connection.state) {
        case "online":
          return "online";
        case "connecting":
          return failure?.kind === "tls" ? "tls-failed" : "connecting";
        case "offline":
          return failure?.kind === "tls" ? "tls-failed" : "disconnected";
        default:
          return "disconnected";
      }
    },
    get lastError() {
      return lastError;
    },
    get features() {
      return { ...features, streamManagement: connection.streamManagement };
    },
    get presence() {
      return presence;
    },
    async setPresence(next) {
      presence = next;
      if (connection.state === "online") await connection.send(presenceStanza(next));
    },
    start: () => connection.start(),
    firstOutcome(timeoutMs) {
      if (settled) return Promise.resolve(settled);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          outcomeWaiters.delete(done);
          resolve({
            ok: false,
            kind: failure?.kind ?? "timeout",
            reason: failure?.reason ?? `no login within ${timeoutMs / 1000} s`,
          });
        }, timeoutMs);
        const done = (outcome: FirstOutcome) => {
          clearTimeout(timer);
          resolve(outcome);
        };
        outcomeWaiters.add(done);
      });
    },
    async stop() {
      if (connection.state === "online") {
        await connection.send(xml("presence", { type: "unavailable" })).catch(() => {});
      }
      await connection.stop();
    },
  };
  return session;
}
