import type { Element } from "@xmpp/xml";
import type { Logger } from "../log.js";
import type { ConnectionState } from "../stanza/connection-states.js";
import { type Connection, linkDownError } from "../xmpp/connection.js";
import type { LinkHolder } from "./holder.js";

/** Stanzas a successor keeps while its connection is up before the lease is its own. */
const EARLY_LIMIT = 10_000;

/**
 * The link as the rest of a process on a shared database sees it: the raw connection, but
 * only while this process holds the link's lease. Its state is the raw state for the holder
 * and "offline" for a standby; nothing is written unless the holder may write now (its lease
 * has not lapsed); stanzas that arrive before the lease is this process's (a successor's
 * early connection during a handover) are kept and handed on, in order, once it is.
 */
export function createGatedConnection(
  raw: Connection,
  holder: Pick<LinkHolder, "role" | "mayWrite" | "onChange">,
  log: Pick<Logger, "warn">,
): Connection {
  const handlers = new Set<(stanza: Element) => void>();
  const stateHandlers = new Set<(state: ConnectionState, reason?: string) => void>();
  let early: Element[] = [];
  let dropped = 0;

  const derived = (): ConnectionState =>
    holder.role === "holder" || raw.state === "stopped" ? raw.state : "offline";
  let shown = derived();
  const showState = (reason?: string) => {
    const next = derived();
    if (next === shown) return;
    shown = next;
    for (const handler of [...stateHandlers]) handler(next, reason);
  };

  const deliver = (stanza: Element) => {
    for (const handler of [...handlers]) handler(stanza);
  };

  raw.onStanza((stanza) => {
    if (holder.role === "holder") return deliver(stanza);
    if (early.length >= EARLY_LIMIT) {
      dropped += 1;
      return;
    }
    early.push(stanza);
  });
  raw.onStateChange((_state, reason) => showState(reason));
  holder.onChange((role) => {
    if (role === "holder") {
      const kept = early;
      early = [];
      if (dropped > 0)
        log.warn("stanzas received before the lease was taken were dropped", { dropped });
      dropped = 0;
      for (const stanza of kept) deliver(stanza);
    } else early = [];
    showState(role === "holder" ? undefined : "another process holds the link");
  });

  const gate = () => {
    if (!holder.mayWrite()) throw linkDownError(raw.retryAfterSeconds());
  };

  const connection: Connection = {
    name: raw.name,
    get state() {
      return derived();
    },
    get drops() {
      return raw.drops;
    },
    from: raw.from,
    iqs: raw.iqs,
    bounces: raw.bounces,
    retryAfterSeconds: () => raw.retryAfterSeconds(),
    // The holder role starts and suspends the raw link.
    start() {},
    suspend: (reason) => raw.suspend(reason),
    stop: () => raw.stop(),
    async barrier(timeoutMs) {
      gate();
      return raw.barrier(timeoutMs);
    },
    async send(stanza) {
      gate();
      return raw.send(stanza);
    },
    async request(iq, timeoutMs, options) {
      gate();
      return raw.request(iq, timeoutMs, options);
    },
    onStanza(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    onStateChange(handler) {
      stateHandlers.add(handler);
      return () => stateHandlers.delete(handler);
    },
    waitOnline(timeoutMs) {
      if (derived() === "online") return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          off();
          reject(new Error(`XMPP link not online after ${timeoutMs} ms`));
        }, timeoutMs);
        const off = connection.onStateChange((state) => {
          if (state !== "online") return;
          clearTimeout(timer);
          off();
          resolve();
        });
      });
    },
  };
  return connection;
}
