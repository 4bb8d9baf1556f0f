import type { Logger } from "../log.js";
import type { CounterSeries } from "../metrics.js";
import type { ConnectionState } from "../stanza/connection-states.js";
import { type AttemptOutcome, createBackoff } from "./backoff.js";

export { CONNECTION_STATES, type ConnectionState } from "../stanza/connection-states.js";

/**
 * One attempt's protocol part (the component's XEP-0114 stream, an account's c2s session): it
 * reports what happens through AttemptEvents, and the supervisor decides what comes next.
 */
export interface Transport {
  /** Connects and opens the stream; rejects when that fails. Going online is an event. */
  attempt(): Promise<void>;
  /** Cuts the attempt's socket if there is one: true when a `disconnected` event will follow. */
  drop(): boolean;
  /** No socket open or opening. */
  readonly idle: boolean;
  /** Closes the stream for good (stop). */
  close(): Promise<void>;
}

export interface AttemptEvents {
  /** The TCP connection opened: the server is there, whatever happens next. */
  reached(): void;
  /** The stream is authenticated and ready for stanzas. */
  online(): void;
  /** The connection closed (`clean`: the stream was closed rather than lost). */
  disconnected(clean: boolean): void;
  /** The attempt cannot go online (e.g. a refused handshake): abandoned, with this reason. */
  failed(reason: string): void;
  /** A stream error: the reason the disconnect that follows is logged with. */
  error(reason: string): void;
}

export interface SupervisionTiming {
  /** First reconnect delay; doubled after each failure (see backoff.ts). */
  readonly initialBackoffMs?: number;
  /** Cap for a server that takes the connection and drops it (e.g. refuses the handshake). */
  readonly maxBackoffMs?: number;
  /** Cap while the server cannot be reached at all: how soon after its return the link is up. */
  readonly unreachableBackoffMs?: number;
  /** Online this long, a drop counts as the server going away rather than a refusal. */
  readonly stableAfterMs?: number;
  /** How long a connect + authentication may take before it is abandoned. */
  readonly connectTimeoutMs?: number;
}

export interface SupervisorOptions extends SupervisionTiming {
  readonly log: Logger;
  /** Where the connection goes and as what, for the log lines. */
  readonly service: string;
  readonly domain: string;
  /** Counts each attempt after the first. */
  readonly reconnects?: CounterSeries;
  readonly transport: (events: AttemptEvents) => Transport;
}

export interface Supervisor {
  readonly state: ConnectionState;
  /** Times an online stream was lost (server gone, stream error): 0 is what hardening promises. */
  readonly drops: number;
  /** Seconds a caller should wait before retrying while the connection is down. */
  retryAfterSeconds(): number;
  start(): void;
  /**
   * Closes the stream and stays offline, without reconnecting, until start() (another process
   * took the link over, or this one may no longer write to it).
   */
  suspend(reason: string): Promise<void>;
  stop(): Promise<void>;
  onStateChange(handler: (state: ConnectionState, reason?: string) => void): () => void;
  /** Resolves once online (immediately if already), rejects after timeoutMs. */
  waitOnline(timeoutMs: number): Promise<void>;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Keeps a connection up for the life of the process, whatever its protocol: every disconnect
 * (server restart, stream error, refused authentication) schedules a reconnect. While the
 * server is unreachable it retries every second at most, so it is back within about a second
 * of the server's return however long the outage; a server that takes the connection and
 * drops it gets exponential backoff up to maxBackoffMs (backoff.ts).
 */
export function createSupervisor(options: SupervisorOptions): Supervisor {
  const { log, service, domain } = options;
  const initialBackoffMs = options.initialBackoffMs ?? 250;
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const backoff = createBackoff({
    initialMs: initialBackoffMs,
    maxMs: options.maxBackoffMs ?? 30_000,
    unreachableCapMs: options.unreachableBackoffMs ?? 1_000,
    stableMs: options.stableAfterMs ?? 10_000,
  });
  let state: ConnectionState = "offline";
  let drops = 0;
  let failures = 0;
  // Whether this attempt's TCP connection opened, and since when the connection is online.
  let reached = false;
  let onlineSince: number | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let reconnectDue = 0;
  let attemptTimer: NodeJS.Timeout | undefined;
  let lastReason: string | undefined;
  // Suspended: a disconnect schedules nothing until start().
  let suspended = false;
  const stateHandlers = new Set<(state: ConnectionState, reason?: string) => void>();

  const setState = (next: ConnectionState, reason?: string) => {
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
    if (state === "stopped" || suspended || reconnectTimer) return;
    const delay = backoff.next(outcome());
    reached = false;
    onlineSince = undefined;
    failures += 1;
    log.debug("xmpp reconnect scheduled", { delayMs: delay });
    reconnectDue = performance.now() + delay;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      options.reconnects?.inc();
      connect();
    }, delay);
  };

  const abandonAttempt = () => {
    clearTimeout(attemptTimer);
    if (!transport.drop() && transport.idle) scheduleReconnect();
  };

  const connect = () => {
    if (state === "stopped" || suspended) return;
    reached = false;
    setState("connecting");
    clearTimeout(attemptTimer);
    attemptTimer = setTimeout(() => {
      lastReason = `no handshake within ${connectTimeoutMs} ms`;
      abandonAttempt();
    }, connectTimeoutMs);
    transport.attempt().catch((err: unknown) => {
      lastReason ??= err instanceof Error ? err.message : String(err);
      abandonAttempt();
    });
  };

  const disconnected = (clean: boolean) => {
    clearTimeout(attemptTimer);
    if (state === "stopped") return;
    const reason = suspended
      ? "suspended"
      : (lastReason ?? (clean ? "stream closed" : "connection lost"));
    if (suspended) {
      lastReason = undefined;
      setState("offline", reason);
      return;
    }
    if (state === "online") {
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
  };

  const transport = options.transport({
    reached() {
      reached = true;
    },
    online() {
      clearTimeout(attemptTimer);
      failures = 0;
      onlineSince = performance.now();
      lastReason = undefined;
      log.info("xmpp link online", { service, domain });
      setState("online");
    },
    disconnected,
    failed(reason) {
      lastReason = reason;
      abandonAttempt();
    },
    error(reason) {
      lastReason = reason;
      log.debug("xmpp error", { reason });
    },
  });

  const onStateChange = (handler: (state: ConnectionState, reason?: string) => void) => {
    stateHandlers.add(handler);
    return () => stateHandlers.delete(handler);
  };

  return {
    get state() {
      return state;
    },
    get drops() {
      return drops;
    },
    // The attempt already scheduled is the best guess of when the connection is back.
    retryAfterSeconds() {
      const waitMs = reconnectTimer ? reconnectDue - performance.now() : initialBackoffMs;
      return Math.max(1, Math.ceil(waitMs / 1000));
    },
    start() {
      suspended = false;
      if (state === "offline" && !reconnectTimer) connect();
    },
    async suspend(reason) {
      if (state === "stopped" || suspended) return;
      suspended = true;
      clearTimeout(reconnectTimer);
      clearTimeout(attemptTimer);
      reconnectTimer = undefined;
      if (state !== "offline") log.info("xmpp link given up", { reason });
      if (transport.idle) {
        setState("offline", reason);
        return;
      }
      await transport.close();
      // A close that ended without its disconnect event still leaves the connection offline.
      if ((state as ConnectionState) !== "stopped") setState("offline", reason);
    },
    async stop() {
      if (state === "stopped") return;
      const wasUp = !transport.idle;
      setState("stopped");
      clearTimeout(reconnectTimer);
      clearTimeout(attemptTimer);
      reconnectTimer = undefined;
      if (wasUp) await transport.close();
    },
    onStateChange,
    waitOnline: (timeoutMs) => waitFor(state, onStateChange, timeoutMs),
  };
}

function waitFor(
  state: ConnectionState,
  onStateChange: Supervisor["onStateChange"],
  timeoutMs: number,
): Promise<void> {
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
}
