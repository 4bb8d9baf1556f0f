import type { Socket } from "node:net";
import { Component } from "@xmpp/component-core";
import type { Element } from "@xmpp/xml";
import { serializeForServer } from "../formats/wire.js";
import type { Logger } from "../log.js";
import { kindLabel, type Metrics, noMetrics } from "../metrics.js";
import { StanzaError } from "../stanza/errors.js";
import { type AttemptOutcome, createBackoff } from "./backoff.js";

export const LINK_STATES = ["offline", "connecting", "online", "stopped"] as const;
export type LinkState = (typeof LINK_STATES)[number];

export interface LinkOptions {
  readonly service: string;
  readonly domain: string;
  readonly secret: string;
  readonly log: Logger;
  /** Largest serialised stanza written; the server closes the stream above its own limit. */
  readonly stanzaLimit?: number;
  /** First reconnect delay; doubled after each failure (see backoff.ts). */
  readonly initialBackoffMs?: number;
  /** Cap for a server that takes the connection and drops it (e.g. refuses the handshake). */
  readonly maxBackoffMs?: number;
  /** Cap while the server cannot be reached at all: how soon after its return the link is up. */
  readonly unreachableBackoffMs?: number;
  /** Online this long, a drop counts as the server going away rather than a refusal. */
  readonly stableAfterMs?: number;
  /** How long a connect + handshake may take before it is abandoned. */
  readonly connectTimeoutMs?: number;
  readonly metrics?: Pick<Metrics, "stanzasSent" | "stanzasReceived" | "linkReconnects" | "gauge">;
}

export interface Link {
  readonly state: LinkState;
  readonly domain: string;
  /** Times an online stream was lost (server gone, stream error): 0 is what hardening promises. */
  readonly drops: number;
  /** Seconds a caller should wait before retrying while the link is down. */
  retryAfterSeconds(): number;
  start(): void;
  stop(): Promise<void>;
  /**
   * Hands a stanza to the server. Throws a StanzaError: 503 while the link is down or
   * going down, 403/413/422 for a stanza the server would close the stream for (never sent).
   */
  send(stanza: Element): Promise<void>;
  onStanza(handler: (stanza: Element) => void): () => void;
  onStateChange(handler: (state: LinkState, reason?: string) => void): () => void;
  /** Resolves once online (immediately if already), rejects after timeoutMs. */
  waitOnline(timeoutMs: number): Promise<void>;
}

export function linkDownError(retryAfter: number): StanzaError {
  return new StanzaError("wait", "service-unavailable", {
    text: `the XMPP server link is down; retry in ${retryAfter}s`,
    status: 503,
    retryAfter,
  });
}

/**
 * The XEP-0114 component connection, kept up for the life of the process:
 * every disconnect (server restart, stream error, refused handshake) schedules
 * a reconnect. While the server is unreachable the link retries every second at
 * most, so it is back within about a second of the server's return however long
 * the outage; a server that takes the connection and drops it gets exponential
 * backoff up to maxBackoffMs (backoff.ts).
 */
export function createLink(options: LinkOptions): Link {
  const { service, domain, secret, log } = options;
  const initialBackoffMs = options.initialBackoffMs ?? 250;
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  // Prosody's component_stanza_size_limit default (mod_component.lua: 1024*512).
  const stanzaLimit = options.stanzaLimit ?? 512 * 1024;
  let drops = 0;
  const metrics = options.metrics ?? noMetrics;
  const backoff = createBackoff({
    initialMs: initialBackoffMs,
    maxMs: options.maxBackoffMs ?? 30_000,
    unreachableCapMs: options.unreachableBackoffMs ?? 1_000,
    stableMs: options.stableAfterMs ?? 10_000,
  });

  const entity = new Component({ service, domain });
  // component() would leave this at xmpp.js's 2 s default for every stream operation.
  entity.timeout = connectTimeoutMs;
  let state: LinkState = "offline";
  let failures = 0;
  // Whether this attempt's TCP connection opened, and since when the link is online.
  let reached = false;
  let onlineSince: number | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let reconnectDue = 0;
  let attemptTimer: NodeJS.Timeout | undefined;
  let lastReason: string | undefined;
  const stanzaHandlers = new Set<(stanza: Element) => void>();
  const stateHandlers = new Set<(state: LinkState, reason?: string) => void>();

  const setState = (next: LinkState, reason?: string) => {
    if (state === next) return;
    state = next;
    for (const handler of stateHandlers) handler(next, reason);
  };

  /** How the attempt (or the connection) that just ended went, for the backoff. */
  const outcome = (): AttemptOutcome => {
    if (!reached) return { reached: false };
    const onlineMs = onlineSince === undefined ? 0 : performance.now() - onlineSince;
    return { reached: true, onlineMs };
  };

  const scheduleReconnect = () => {
    if (state === "stopped" || reconnectTimer) return;
    const delay = backoff.next(outcome());
    reached = false;
    onlineSince = undefined;
    failures += 1;
    log.debug("xmpp reconnect scheduled", { delayMs: delay });
    reconnectDue = performance.now() + delay;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      metrics.linkReconnects.inc({});
      connect();
    }, delay);
  };

  const connect = () => {
    if (state === "stopped") return;
    reached = false;
    setState("connecting");
    clearTimeout(attemptTimer);
    attemptTimer = setTimeout(() => {
      lastReason = `no handshake within ${connectTimeoutMs} ms`;
      abandonAttempt();
    }, connectTimeoutMs);
    entity
      .connect(service)
      .then(() => entity.open({ domain }))
      .catch((err: unknown) => {
        lastReason ??= err instanceof Error ? err.message : String(err);
        abandonAttempt();
      });
  };

  const abandonAttempt = () => {
    clearTimeout(attemptTimer);
    const socket = entity.socket as { destroy?: () => void } | null;
    if (socket?.destroy) socket.destroy();
    else if (entity.status === "offline") scheduleReconnect();
  };

  // XEP-0114 §3: the handshake is SHA-1(stream id + secret), sent once the stream is open.
  entity.on("open", (el: Element) => {
    entity.authenticate(el.attrs.id ?? "", secret).catch((err: unknown) => {
      lastReason = `handshake failed: ${err instanceof Error ? err.message : String(err)}`;
      abandonAttempt();
    });
  });

  entity.on("connect", () => {
    reached = true;
  });

  entity.on("online", () => {
    // Stanzas are small and latency matters: Nagle's algorithm (left on by xmpp.js)
    // held each one back waiting for an ACK, adding milliseconds per stanza.
    (entity.socket as Socket | null)?.setNoDelay(true);
    clearTimeout(attemptTimer);
    failures = 0;
    onlineSince = performance.now();
    lastReason = undefined;
    log.info("xmpp link online", { service, domain });
    setState("online");
  });

  entity.on("disconnect", (info: { clean?: boolean } | undefined) => {
    clearTimeout(attemptTimer);
    if (state === "stopped") return;
    const reason = lastReason ?? (info?.clean ? "stream closed" : "connection lost");
    const wasOnline = state === "online";
    if (wasOnline) {
      drops += 1;
      log.info("xmpp link offline", { reason });
    }
    // A refusal (e.g. a wrong secret) is always worth a warning; retries during an outage
    // come every second, so of those only the first and then one a minute.
    else if (reached || failures % 60 === 0) {
      log.warn("xmpp connect failed", { service, reason, attempt: failures + 1 });
    } else log.debug("xmpp connect failed", { service, reason, attempt: failures + 1 });
    lastReason = undefined;
    setState("offline", reason);
    scheduleReconnect();
  });

  entity.on("error", (err: unknown) => {
    // Stream errors (e.g. a wrong secret: not-authorized) arrive here before the disconnect.
    const condition = (err as { condition?: string }).condition;
    const message = err instanceof Error ? err.message : String(err);
    lastReason = condition ? `stream error ${condition}` : message;
    log.debug("xmpp error", { reason: lastReason });
  });

  entity.on("stanza", (stanza: Element) => {
    // xmpp.js hangs each stanza under the stream element, whose namespace
    // (jabber:component:accept) would then be the stanza's; detached, it is in
    // the client namespace like every other stanza in the process.
    stanza.parent = null;
    metrics.stanzasReceived.inc({ kind: kindLabel(stanza.name) });
    for (const handler of stanzaHandlers) {
      try {
        handler(stanza);
      } catch (err) {
        log.error("stanza handler failed", { stanzaId: stanza.attrs.id, kind: stanza.name, err });
      }
    }
  });

  metrics.gauge<"state">({
    name: "xmpp_rest_link_state",
    help: "State of the component link to the XMPP server: 1 for the current state",
    labelNames: ["state"],
    collect: (set) => {
      for (const each of LINK_STATES) set({ state: each }, each === state ? 1 : 0);
    },
  });

  const onStateChange = (handler: (state: LinkState, reason?: string) => void) => {
    stateHandlers.add(handler);
    return () => stateHandlers.delete(handler);
  };

  // The attempt already scheduled is the best guess of when the link is back.
  const retryAfterSeconds = () => {
    const waitMs = reconnectTimer ? reconnectDue - performance.now() : initialBackoffMs;
    return Math.max(1, Math.ceil(waitMs / 1000));
  };

  return {
    get state() {
      return state;
    },
    domain,
    get drops() {
      return drops;
    },
    retryAfterSeconds,
    start() {
      if (state === "offline" && !reconnectTimer) connect();
    },
    async stop() {
      if (state === "stopped") return;
      const wasUp = entity.status !== "offline";
      setState("stopped");
      clearTimeout(reconnectTimer);
      clearTimeout(attemptTimer);
      reconnectTimer = undefined;
      if (!wasUp) return;
      try {
        await entity.stop();
      } catch (err) {
        log.debug("xmpp stop", { err });
        const socket = entity.socket as { destroy?: () => void } | null;
        socket?.destroy?.();
      }
    },
    async send(stanza) {
      if (state !== "online") throw linkDownError(retryAfterSeconds());
      stanza.attrs.from ??= domain;
      if (!fromIsOurs(stanza.attrs.from, domain)) {
        // One such stanza would cost the whole stream (XEP-0114 §3, RFC 6120 §4.9.3.9).
        throw new StanzaError("auth", "not-authorized", {
          text: `refusing to send from '${stanza.attrs.from}'`,
          status: 403,
        });
      }
      // The gate: these exact characters are what the server parses, checked as written.
      const text = serializeForServer(stanza, stanzaLimit);
      const socket = entity.socket as Socket | null;
      if (!socket || socket.destroyed || !socket.writable || state !== "online") {
        throw linkDownError(retryAfterSeconds());
      }
      coalesceWrites(socket);
      try {
        await entity.write(text);
      } catch (err) {
        // ECONNRESET, EPIPE, "write after end", "Connection is closing": the stream is going
        // down under this request, which is the link being unavailable, not a bridge failure.
        log.debug("xmpp write failed", { err });
        throw linkDownError(retryAfterSeconds());
      }
      metrics.stanzasSent.inc({ kind: kindLabel(stanza.name) });
    },
    onStanza(handler) {
      stanzaHandlers.add(handler);
      return () => stanzaHandlers.delete(handler);
    },
    onStateChange,
    waitOnline(timeoutMs) {
      if (state === "online") return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          off();
          reject(new Error(`XMPP link not online after ${timeoutMs} ms`));
        }, timeoutMs);
        const off = onStateChange((next) => {
          if (next !== "online") return;
          clearTimeout(timer);
          off();
          resolve();
        });
      });
    },
  };
}

/**
 * The check the server applies to every stanza a component sends (XEP-0114 §3):
 * the domain part of `from`, taken as written, must be the component's domain.
 * An absent `from` is filled in with the domain by xmpp.js.
 */
export function fromIsOurs(from: string | undefined, domain: string): boolean {
  if (from === undefined) return true;
  const bare = from.split("/", 1)[0] ?? "";
  return bare.slice(bare.indexOf("@") + 1) === domain;
}

/**
 * Stanzas sent in the same event-loop turn leave in one TCP write: with Nagle
 * off, each stanza would otherwise be its own syscall and packet. The socket is
 * uncorked in the check phase (setImmediate), after every I/O callback of this
 * turn has run: under load one turn reads many HTTP requests, on many
 * connections, and all their stanzas share the write. (Uncorking on nextTick
 * wrote once per request.) Nothing waits longer than the end of the turn.
 */
function coalesceWrites(socket: Socket | null): void {
  if (!socket || socket.writableCorked > 0) return;
  socket.cork();
  setImmediate(() => socket.uncork());
}
