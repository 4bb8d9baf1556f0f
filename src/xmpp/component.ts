import type { Socket } from "node:net";
import { Component } from "@xmpp/component-core";
import type { Element } from "@xmpp/xml";
import { serializeForServer } from "../formats/wire.js";
import type { Logger } from "../log.js";
import { noMetrics } from "../metrics.js";
import { type Connection, createConnection, type FromRule, linkDownError } from "./connection.js";
import { type ConnectionInstruments, connectionMetrics } from "./connection-metrics.js";
import { BoundedParser } from "./stream-parser.js";
import {
  type AttemptEvents,
  createSupervisor,
  DEFAULT_CONNECT_TIMEOUT_MS,
  type SupervisionTiming,
  type Supervisor,
  type Transport,
} from "./supervisor.js";

export interface ComponentOptions extends SupervisionTiming {
  /** The `connection` label of its metrics; "component" unless told. */
  readonly name?: string;
  readonly service: string;
  readonly domain: string;
  readonly secret: string;
  readonly log: Logger;
  /** Largest serialised stanza written; the server closes the stream above its own limit. */
  readonly stanzaLimit?: number;
  /** iqs that may wait for their reply at once (config maxPendingIq). */
  readonly maxPendingIq?: number;
  readonly metrics?: ConnectionInstruments;
}

/**
 * The XEP-0114 component connection, supervised (supervisor.ts) for the life of the process.
 * Several may run in one process, each with its own name.
 */
export function createComponentConnection(options: ComponentOptions): Connection {
  const { service, domain, log } = options;
  const name = options.name ?? "component";
  // Prosody's component_stanza_size_limit default (mod_component.lua: 1024*512).
  const stanzaLimit = options.stanzaLimit ?? 512 * 1024;
  const metrics = connectionMetrics(options.metrics ?? noMetrics, name);

  const entity = new Component({ service, domain });
  // component() would leave this at xmpp.js's 2 s default for every stream operation.
  entity.timeout = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  entity.Parser = BoundedParser;
  const supervisor = createSupervisor({
    ...supervisionTiming(options),
    log,
    service,
    domain,
    reconnects: metrics.reconnects,
    transport: (events) => componentTransport(entity, options, events),
  });
  const { connection, receive } = createConnection({
    name,
    log,
    supervisor,
    from: componentFromRule(domain),
    write: writeGate(entity, supervisor, stanzaLimit, log),
    maxPendingIq: options.maxPendingIq ?? 10_000,
    metrics,
  });
  entity.on("stanza", (stanza: Element) => {
    // xmpp.js hangs each stanza under the stream element, whose namespace
    // (jabber:component:accept) would then be the stanza's; detached, it is in
    // the client namespace like every other stanza in the process.
    stanza.parent = null;
    receive(stanza);
  });
  return connection;
}

function supervisionTiming(options: SupervisionTiming): SupervisionTiming {
  const { initialBackoffMs, maxBackoffMs, unreachableBackoffMs, stableAfterMs, connectTimeoutMs } =
    options;
  return { initialBackoffMs, maxBackoffMs, unreachableBackoffMs, stableAfterMs, connectTimeoutMs };
}

/** The component's `from` rule: its own domain and any address at it (XEP-0114 §3). */
export function componentFromRule(domain: string): FromRule {
  return {
    defaultFrom: domain,
    allows: (from) => fromIsOurs(from, domain),
    describe: `${domain} or an address at it`,
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

/** One attempt of the component: connect, open the stream, the handshake. */
function componentTransport(
  entity: Component,
  { service, domain, secret, log }: Pick<ComponentOptions, "service" | "domain" | "secret" | "log">,
  events: AttemptEvents,
): Transport {
  const socket = () => entity.socket as { destroy?: () => void } | null;

  // XEP-0114 §3: the handshake is SHA-1(stream id + secret), sent once the stream is open.
  entity.on("open", (el: Element) => {
    entity.authenticate(el.attrs.id ?? "", secret).catch((err: unknown) => {
      events.failed(`handshake failed: ${err instanceof Error ? err.message : String(err)}`);
    });
  });
  entity.on("connect", () => events.reached());
  entity.on("online", () => {
    // Stanzas are small and latency matters: Nagle's algorithm (left on by xmpp.js)
    // held each one back waiting for an ACK, adding milliseconds per stanza.
    (entity.socket as Socket | null)?.setNoDelay(true);
    events.online();
  });
  entity.on("disconnect", (info: { clean?: boolean } | undefined) => {
    events.disconnected(Boolean(info?.clean));
  });
  entity.on("error", (err: unknown) => {
    // Stream errors (e.g. a wrong secret: not-authorized) arrive here before the disconnect.
    const condition = (err as { condition?: string }).condition;
    events.error(
      condition ? `stream error ${condition}` : err instanceof Error ? err.message : String(err),
    );
  });

  return {
    async attempt() {
      await entity.connect(service);
      await entity.open({ domain });
    },
    drop() {
      const open = socket();
      if (!open?.destroy) return false;
      open.destroy();
      return true;
    },
    get idle() {
      return entity.status === "offline";
    },
    async close() {
      try {
        await entity.stop();
      } catch (err) {
        log.debug("xmpp stop", { err });
        socket()?.destroy?.();
      }
    },
  };
}

/**
 * The last check before the socket: the exact characters the server will parse, checked as
 * written (formats/wire.ts: 413 above the stanza limit, 422 for what the server's parser
 * would close the stream over), then written, coalesced with the rest of this turn's stanzas.
 */
function writeGate(
  entity: Component,
  supervisor: Pick<Supervisor, "state" | "retryAfterSeconds">,
  stanzaLimit: number,
  log: Logger,
): (stanza: Element) => Promise<void> {
  return async (stanza) => {
    const text = serializeForServer(stanza, stanzaLimit);
    const socket = entity.socket as Socket | null;
    if (!socket || socket.destroyed || !socket.writable || supervisor.state !== "online") {
      throw linkDownError(supervisor.retryAfterSeconds());
    }
    coalesceWrites(socket);
    try {
      await entity.write(text);
    } catch (err) {
      // ECONNRESET, EPIPE, "write after end", "Connection is closing": the stream is going
      // down under this request, which is the link being unavailable, not a bridge failure.
      log.debug("xmpp write failed", { err });
      throw linkDownError(supervisor.retryAfterSeconds());
    }
  };
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
