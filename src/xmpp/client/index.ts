/**
 * An XMPP client session (RFC 6120, RFC 6121) as a Connection (../connection.ts), supervised
 * like the component link (../supervisor.ts: backoff, connect timeout, reconnect): an
 * account's own stream. Its transport finds the server (DNS SRV, XEP-0368), negotiates
 * (negotiate.ts: STARTTLS, SASL, resume or bind, XEP-0198), pings an idle server (XEP-0199)
 * and drops a stream that stopped answering, so the supervisor reconnects and resumes.
 * Written on node:net/node:tls and @xmpp/xml's parser rather than @xmpp/client: its SASL
 * cannot log in with kept SCRAM keys, and it pulls in a babel runtime.
 */
import { isIP } from "node:net";
import xml, { type Element } from "@xmpp/xml";
import { serializeForServer } from "../../formats/wire.js";
import type { Logger } from "../../log.js";
import { NS } from "../../stanza/ns.js";
import { type Connection, createConnection, type FromRule, linkDownError } from "../connection.js";
import type { ConnectionMetrics } from "../connection-metrics.js";
import {
  type AttemptEvents,
  createSupervisor,
  DEFAULT_CONNECT_TIMEOUT_MS,
  type SupervisionTiming,
  type Transport,
} from "../supervisor.js";
import { type Negotiated, NO_OFFERS, negotiate, type StreamOffers } from "./negotiate.js";
import { type Endpoint, resolveEndpoints, type SrvResolver } from "./resolve.js";
import { AuthFailure, type SaslCredentials, type SaslOutcome } from "./sasl.js";
import { createStreamManagement } from "./sm.js";
import { connectStream, StreamFailure, type XmlStream } from "./stream.js";

export type { StreamOffers } from "./negotiate.js";
export type { Endpoint, SrvResolver } from "./resolve.js";
export { createSrvResolver, parseServer } from "./resolve.js";
export type { SaslCredentials, SaslOutcome } from "./sasl.js";
export { saslPrep } from "./saslprep.js";
export { deriveKeys as deriveScramKeys, type ScramKeys } from "./scram.js";

/** Why an attempt failed, as an account's state tells it. */
export type FailureKind = "auth" | "tls" | "connect" | "protocol" | "timeout";

export interface ClientOptions extends SupervisionTiming {
  /** The account's bare JID. */
  readonly jid: string;
  readonly resource: string;
  /** Read at every attempt: the password or kept keys may change between logins. */
  readonly credentials: () => SaslCredentials;
  /** Where to connect; undefined: DNS SRV for the JID's domain, then the domain on 5222. */
  readonly server?: Endpoint | undefined;
  readonly resolver: SrvResolver;
  /** Extra trusted CAs (PEM) for the server's certificate. */
  readonly ca?: string | Buffer | undefined;
  /** No TLS at all: only for a loopback server (the caller checks). */
  readonly plaintext?: boolean;
  readonly log: Logger;
  readonly metrics: ConnectionMetrics;
  /** Largest stanza written, and largest element read, in bytes. */
  readonly stanzaLimit?: number;
  readonly maxPendingIq?: number;
  /** Ping the server after this long without hearing from it (XEP-0199). */
  readonly pingIntervalMs?: number;
  /** Drop the stream when the server has then been silent this much longer. */
  readonly pingTimeoutMs?: number;
  /** A login succeeded (the SCRAM keys it used are worth keeping). */
  readonly onLogin?: (outcome: SaslOutcome) => void;
  /** A stream is online: a new session (`resumed` false) wants its presence and carbons. */
  readonly onSession?: (session: { readonly jid: string; readonly resumed: boolean }) => void;
  /** An attempt failed; `auth` failures are final (the caller stops the connection). */
  readonly onFailure?: (kind: FailureKind, reason: string) => void;
}

export interface ClientConnection extends Connection {
  /** The full JID of the current (or last) session. */
  readonly boundJid: string | undefined;
  /** Whether the server offers XEP-0198 stream management (known once online). */
  readonly streamManagement: boolean;
  /** Stanzas sent and not yet acknowledged by the server (XEP-0198). */
  readonly unacknowledged: number;
  /** Roster versioning and pre-approval, as the server's stream features offer them. */
  readonly offers: StreamOffers;
}

export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "");
  if (bare === "localhost") return true;
  if (isIP(bare) === 4) return bare.startsWith("127.");
  return bare === "::1";
}

/** The account's own JID, bare or as bound: the only `from` its stream may carry (RFC 6120 §8.1.2.1). */
function accountFromRule(bare: string, bound: () => string | undefined): FromRule {
  return {
    defaultFrom: bare,
    allows: (from) => from === undefined || from === bare || from === bound(),
    describe: `${bare} (the account's session)`,
  };
}

export function createClientConnection(options: ClientOptions): ClientConnection {
  const { log, metrics } = options;
  const domain = options.jid.slice(options.jid.indexOf("@") + 1);
  const stanzaLimit = options.stanzaLimit ?? 512 * 1024;
  const sm = createStreamManagement();
  let stream: XmlStream | undefined;
  let boundJid: string | undefined;
  let offersSm = false;
  let offers: StreamOffers = NO_OFFERS;
  let receive: (stanza: Element) => void = () => {};

  const write = (text: string) => {
    sm.sent(text);
    const written = stream?.write(text) ?? false;
    sm.requestAck((t) => stream?.write(t));
    return written;
  };

  const transport = (events: AttemptEvents): Transport => {
    let pinger: NodeJS.Timeout | undefined;
    const pingEvery = options.pingIntervalMs ?? 60_000;
    const pingTimeout = options.pingTimeoutMs ?? 30_000;

    const startPinging = (current: XmlStream) => {
      clearInterval(pinger);
      let pinged = 0;
      pinger = setInterval(
        () => {
          const silent = Date.now() - current.lastInputAt;
          if (silent >= pingEvery + pingTimeout) {
            events.error(`no answer from the server for ${Math.round(silent / 1000)} s`);
            current.destroy();
          } else if (silent >= pingEvery && Date.now() - pinged >= pingEvery) {
            pinged = Date.now();
            current.send(
              xml(
                "iq",
                { type: "get", to: domain, id: `ping-${pinged}` },
                xml("ping", { xmlns: NS.ping }),
              ),
            );
          }
        },
        Math.max(250, Math.min(pingEvery, pingTimeout) / 2),
      );
      pinger.unref();
    };

    const onElement = (element: Element) => {
      if (sm.received(element, (t) => stream?.write(t))) return;
      // RFC 6120 §8.1.2.1 and §8.1.1.1: a stanza without `from` comes from the account itself
      // (its server on its behalf), one without `to` is for this session.
      if (element.name === "message" || element.name === "presence" || element.name === "iq") {
        element.attrs.from ??= options.jid;
        if (boundJid) element.attrs.to ??= boundJid;
      }
      // The answers to our own pings end here.
      if (
        element.name === "iq" &&
        element.attrs.id?.startsWith("ping-") &&
        element.attrs.type !== "get"
      ) {
        return;
      }
      receive(element);
    };

    const failed = (kind: FailureKind, reason: string) => {
      options.onFailure?.(kind, reason);
      events.failed(reason);
    };

    const connectOne = async (endpoint: Endpoint) =>
      connectStream(
        {
          host: endpoint.host,
          port: endpoint.port,
          directTls: endpoint.directTls,
          tls: { servername: domain, ca: options.ca },
          domain,
          maxElementBytes: stanzaLimit * 2,
          handlers: {
            element: onElement,
            closed(error) {
              clearInterval(pinger);
              sm.suspend();
              stream = undefined;
              if (error) events.error(error.message);
              events.disconnected(error === undefined);
            },
          },
        },
        () => events.reached(),
      );

    const attempt = async () => {
      const endpoints = options.server
        ? [options.server]
        : await resolveEndpoints(domain, options.resolver).catch((err: unknown) => {
            throw new StreamFailure("connect", `DNS lookup for ${domain} failed: ${String(err)}`);
          });
      if (endpoints.length === 0) {
        throw new StreamFailure("connect", `${domain} publishes no XMPP client service`);
      }
      let lastError: unknown;
      for (const endpoint of endpoints) {
        try {
          return { endpoint, opened: await connectOne(endpoint) };
        } catch (err) {
          lastError = err;
          if (err instanceof StreamFailure && err.kind === "tls") break;
        }
      }
      throw lastError;
    };

    return {
      async attempt() {
        let opened: XmlStream | undefined;
        try {
          const connected = await attempt();
          opened = connected.opened;
          stream = opened;
          const loopback = isLoopback(connected.endpoint.host);
          const negotiated: Negotiated = await negotiate(
            opened,
            {
              credentials: options.credentials(),
              resource: options.resource,
              tls: { servername: domain, ca: options.ca },
              loopback,
              plaintext: options.plaintext === true && loopback,
              timeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
              sm,
            },
            boundJid,
          );
          boundJid = negotiated.jid;
          offersSm = negotiated.streamManagement;
          offers = negotiated.offers;
          options.onLogin?.(negotiated.sasl);
          opened.release();
          for (const element of negotiated.early) onElement(element);
          startPinging(opened);
          events.online();
          for (const text of negotiated.unacknowledged) {
            // A resumed session gets everything again as it was; a new one only the messages
            // (an iq's waiter has already been told the link went down).
            if (negotiated.resumed || text.startsWith("<message")) write(text);
          }
          options.onSession?.({ jid: negotiated.jid, resumed: negotiated.resumed });
        } catch (err) {
          const reason = err instanceof Error ? err.message : String(err);
          const kind: FailureKind =
            err instanceof AuthFailure
              ? "auth"
              : err instanceof StreamFailure
                ? err.kind
                : "connect";
          if (opened && kind !== "auth") opened.destroy();
          else if (opened) opened.close();
          failed(kind, reason);
          // The supervisor learnt the reason from failed(); the attempt is over.
          if (!opened) throw err;
        }
      },
      drop() {
        if (!stream) return false;
        stream.destroy();
        return true;
      },
      get idle() {
        return stream === undefined;
      },
      async close() {
        clearInterval(pinger);
        const current = stream;
        if (!current) return;
        await new Promise<void>((resolve) => {
          current.socket.once("close", () => resolve());
          current.close();
        });
      },
    };
  };

  const supervisor = createSupervisor({
    ...options,
    log,
    service: options.server ? `${options.server.host}:${options.server.port}` : domain,
    domain,
    reconnects: metrics.reconnects,
    transport: (events) => transport(events),
  });

  const made = createConnection({
    name: "account",
    log,
    supervisor,
    from: accountFromRule(options.jid, () => boundJid),
    write: async (stanza) => {
      // The session's own address for what the caller left bare: the server would stamp it so.
      if (stanza.attrs.from === options.jid && boundJid) stanza.attrs.from = boundJid;
      if (stanza.attrs.xmlns === NS.client) delete stanza.attrs.xmlns;
      const text = serializeForServer(stanza, stanzaLimit);
      if (!stream || supervisor.state !== "online" || !write(text)) {
        throw linkDownError(supervisor.retryAfterSeconds());
      }
    },
    maxPendingIq: options.maxPendingIq ?? 1_000,
    metrics,
  });
  receive = made.receive;

  // Getters, not copies: the connection's state and these change for its whole life.
  return Object.defineProperties(made.connection, {
    boundJid: { get: () => boundJid, enumerable: true },
    streamManagement: { get: () => offersSm, enumerable: true },
    unacknowledged: { get: () => sm.unacked, enumerable: true },
    offers: { get: () => offers, enumerable: true },
  }) as ClientConnection;
}
