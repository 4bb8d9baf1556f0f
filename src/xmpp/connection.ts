import type { Element } from "@xmpp/xml";
import type { Logger } from "../log.js";
import { kindLabel } from "../metrics.js";
import { forbidden, StanzaError, unavailable } from "../stanza/errors.js";
import type { FromRule } from "../stanza/from-rule.js";

export type { FromRule } from "../stanza/from-rule.js";

import { type Barriers, createBarriers } from "./barriers.js";
import { type Bounces, createBounces } from "./bounces.js";
import type { ConnectionMetrics } from "./connection-metrics.js";
import { createIqTracker, type ExpectOptions, type IqReply, type IqTracker } from "./iq-tracker.js";
import { requestIq } from "./request-iq.js";
import { CONNECTION_STATES, type ConnectionState, type Supervisor } from "./supervisor.js";

/**
 * One connection to the XMPP server (the component link; an account's session next), as the
 * rest of the bridge uses it: supervised (state, backoff, wait-online), with its own `from`
 * rule, its own pending-iq tracker and bounce watcher, and its own metrics series (`name`).
 */
export interface Connection {
  /** The `connection` label of its metrics (e.g. "component"). */
  readonly name: string;
  readonly state: ConnectionState;
  /** Times an online stream was lost (server gone, stream error): 0 is what hardening promises. */
  readonly drops: number;
  readonly from: FromRule;
  /** iqs sent on this connection waiting for their reply: replies arriving here settle them. */
  readonly iqs: IqTracker;
  /** Error replies to messages sent on this connection that a caller waits on. */
  readonly bounces: Bounces;
  /** Seconds a caller should wait before retrying while the connection is down. */
  retryAfterSeconds(): number;
  start(): void;
  /** Closes the stream and stays offline until start(): another process holds the link now. */
  suspend(reason: string): Promise<void>;
  stop(): Promise<void>;
  /**
   * Resolves once the server has taken every stanza written on this connection before it (a
   * round trip, ./barriers.ts); rejects with 503 when the stream drops first, 504 after
   * timeoutMs.
   */
  barrier(timeoutMs: number): Promise<void>;
  /**
   * Hands a stanza to the server. Throws a StanzaError: 503 while the connection is down or
   * going down, 403 for a `from` the rule refuses, 413/422 for a stanza the server would close
   * the stream for (never sent).
   */
  send(stanza: Element): Promise<void>;
  /** Sends an iq on this connection and waits for its reply (request-iq.ts). */
  request(iq: Element, timeoutMs: number, options?: ExpectOptions): Promise<IqReply>;
  /** Inbound stanzas that are neither a reply to a waiting iq nor a watched bounce. */
  onStanza(handler: (stanza: Element) => void): () => void;
  onStateChange(handler: (state: ConnectionState, reason?: string) => void): () => void;
  /** Resolves once online (immediately if already), rejects after timeoutMs. */
  waitOnline(timeoutMs: number): Promise<void>;
}

export function linkDownError(retryAfter: number): StanzaError {
  return unavailable(`the XMPP server link is down; retry in ${retryAfter}s`, retryAfter);
}

export interface ConnectionParts {
  readonly name: string;
  readonly log: Logger;
  readonly supervisor: Supervisor;
  readonly from: FromRule;
  /**
   * The protocol's write gate, for a stanza already admitted (online, `from` allowed): rejects
   * with a StanzaError (503 when the stream goes down under it, 413/422 for what the server
   * would close the stream for).
   */
  readonly write: (stanza: Element) => Promise<void>;
  readonly maxPendingIq: number;
  readonly metrics: ConnectionMetrics;
}

/**
 * Puts a supervised protocol together into a Connection. `receive` is for the protocol part:
 * every inbound stanza, detached from its stream, goes through it.
 */
export function createConnection(parts: ConnectionParts): {
  connection: Connection;
  receive: (stanza: Element) => void;
} {
  const { name, log, supervisor, from, write, metrics } = parts;
  const iqs = createIqTracker({ maxPending: parts.maxPendingIq, metrics: metrics.iqs });
  const bounces = createBounces();
  const barriers: Barriers = createBarriers();
  const stanzaHandlers = new Set<(stanza: Element) => void>();

  const showState = (current: ConnectionState) => {
    for (const state of CONNECTION_STATES) metrics.state[state].set(state === current ? 1 : 0);
  };
  showState(supervisor.state);
  supervisor.onStateChange((state) => {
    showState(state);
    // A reply can no longer arrive on a dropped stream: fail waiters now rather than at their timeout.
    if (state !== "online") {
      const down = linkDownError(supervisor.retryAfterSeconds());
      if (iqs.size > 0) iqs.failAll(down);
      barriers.failAll(down);
    }
  });

  const handlerFailed = (stanza: Element, err: unknown) =>
    log.error("stanza handler failed", { stanzaId: stanza.attrs.id, kind: stanza.name, err });

  const receive = (stanza: Element) => {
    metrics.received[kindLabel(stanza.name)].inc();
    try {
      // A reply to an iq waiting here, or a refusal of a message a request waits on, answers that request.
      if (iqs.handle(stanza) || bounces.handle(stanza) || barriers.handle(stanza)) return;
    } catch (err) {
      handlerFailed(stanza, err);
      return;
    }
    for (const handler of stanzaHandlers) {
      try {
        handler(stanza);
      } catch (err) {
        handlerFailed(stanza, err);
      }
    }
  };

  const connection: Connection = {
    name,
    get state() {
      return supervisor.state;
    },
    get drops() {
      return supervisor.drops;
    },
    from,
    iqs,
    bounces,
    retryAfterSeconds: () => supervisor.retryAfterSeconds(),
    start: () => supervisor.start(),
    suspend: (reason) => supervisor.suspend(reason),
    stop: () => supervisor.stop(),
    async barrier(timeoutMs) {
      if (supervisor.state !== "online") throw linkDownError(supervisor.retryAfterSeconds());
      const barrier = barriers.create(from.defaultFrom, timeoutMs);
      try {
        await write(barrier.stanza);
      } catch (err) {
        barrier.cancel(err instanceof StanzaError ? err : linkDownError(1));
      }
      return barrier.passed;
    },
    async send(stanza) {
      if (supervisor.state !== "online") throw linkDownError(supervisor.retryAfterSeconds());
      stanza.attrs.from ??= from.defaultFrom;
      // The rule is checked again here, below the caller's own check: one stanza with a `from`
      // the server refuses would cost the whole stream (XEP-0114 §3, RFC 6120 §4.9.3.9).
      if (!from.allows(stanza.attrs.from)) {
        throw forbidden(`refusing to send from '${stanza.attrs.from}'`);
      }
      await write(stanza);
      metrics.sent[kindLabel(stanza.name)].inc();
    },
    request: (iq, timeoutMs, options) => requestIq(connection, iqs, iq, timeoutMs, options),
    onStanza(handler) {
      stanzaHandlers.add(handler);
      return () => stanzaHandlers.delete(handler);
    },
    onStateChange: (handler) => supervisor.onStateChange(handler),
    waitOnline: (timeoutMs) => supervisor.waitOnline(timeoutMs),
  };
  return { connection, receive };
}
