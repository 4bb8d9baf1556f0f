import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { LogFields, Logger } from "../../../src/log.js";
import {
  type AttemptEvents,
  type ConnectionState,
  createSupervisor,
  type Supervisor,
  type SupervisorOptions,
  type Transport,
} from "../../../src/xmpp/supervisor.js";

interface Line {
  readonly level: "debug" | "info" | "warn" | "error";
  readonly msg: string;
  readonly fields: LogFields | undefined;
}

function recordingLogger(lines: Line[]): Logger {
  const at = (level: Line["level"]) => (msg: string, fields?: LogFields) =>
    void lines.push({ level, msg, fields });
  const log: Logger = {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: () => log,
  };
  return log;
}

/**
 * A server the test plays by hand, behind the Transport a protocol part gives the supervisor:
 * it records attempts and reports what xmpp.js reports (error, then disconnect, then the
 * connect promise's rejection for an unreachable server).
 */
function fakeServer() {
  let events: AttemptEvents | undefined;
  let pending: { reject: (err: Error) => void; resolve: () => void } | undefined;
  let socket = false;
  const server = {
    attempts: 0,
    closed: 0,
    transport(given: AttemptEvents): Transport {
      events = given;
      return {
        attempt: () => {
          server.attempts += 1;
          socket = true;
          return new Promise<void>((resolve, reject) => {
            pending = { resolve, reject };
          });
        },
        drop() {
          if (!socket) return false;
          server.lose(false);
          return true;
        },
        get idle() {
          return !socket;
        },
        async close() {
          server.closed += 1;
          socket = false;
        },
      };
    },
    /** Connection refused: nothing listens. */
    unreachable() {
      events?.error("connect ECONNREFUSED 127.0.0.1:5347");
      socket = false;
      events?.disconnected(false);
      pending?.reject(new Error("connect ECONNREFUSED 127.0.0.1:5347"));
    },
    /** The server takes the connection and the stream opens; authentication follows. */
    accept() {
      events?.reached();
      pending?.resolve();
    },
    authenticate() {
      events?.online();
    },
    refuse(reason: string) {
      events?.failed(reason);
    },
    streamError(condition: string) {
      events?.error(`stream error ${condition}`);
    },
    lose(clean: boolean) {
      socket = false;
      events?.disconnected(clean);
    },
  };
  return server;
}

const timing = {
  initialBackoffMs: 250,
  maxBackoffMs: 30_000,
  unreachableBackoffMs: 1_000,
  stableAfterMs: 10_000,
  connectTimeoutMs: 10_000,
};

let lines: Line[];
let server: ReturnType<typeof fakeServer>;
let states: ConnectionState[];
let reconnects: number;

function supervise(options: Partial<SupervisorOptions> = {}): Supervisor {
  const supervisor = createSupervisor({
    ...timing,
    log: recordingLogger(lines),
    service: "xmpp://127.0.0.1:5347",
    domain: "rest.example.org",
    reconnects: {
      inc: () => {
        reconnects += 1;
      },
    },
    transport: (events) => server.transport(events),
    ...options,
  });
  supervisor.onStateChange((state) => states.push(state));
  return supervisor;
}

/** Lets the attempt's promise callbacks run, then moves the clock. */
async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance", "Date"] });
  lines = [];
  server = fakeServer();
  states = [];
  reconnects = 0;
});

afterEach(() => {
  vi.useRealTimers();
});

describe("connection supervision", () => {
  it("gives the link up when suspended: offline, closed, no reconnect, until started again", async () => {
    const supervisor = supervise();
    supervisor.start();
    server.accept();
    server.authenticate();
    await supervisor.suspend("another process holds the link now");
    expect(supervisor.state).toBe("offline");
    expect(server.closed).toBe(1);
    await advance(60_000);
    expect(server.attempts).toBe(1);
    expect(reconnects).toBe(0);
    expect(supervisor.drops).toBe(0);
    expect(lines).toContainEqual({
      level: "info",
      msg: "xmpp link given up",
      fields: { reason: "another process holds the link now" },
    });
    supervisor.start();
    expect(server.attempts).toBe(2);
    server.accept();
    server.authenticate();
    expect(supervisor.state).toBe("online");
    // A disconnect after the suspend's close (xmpp.js reports it late) schedules nothing.
    await supervisor.suspend("again");
    server.lose(true);
    await advance(60_000);
    expect(server.attempts).toBe(2);
  });

  it("connects on start, goes online when the protocol says so, and says so once", async () => {
    const supervisor = supervise();
    const online = supervisor.waitOnline(1_000);
    supervisor.start();
    supervisor.start();
    expect(server.attempts).toBe(1);
    expect(supervisor.state).toBe("connecting");
    server.accept();
    server.authenticate();
    await online;
    expect(states).toEqual(["connecting", "online"]);
    expect(lines).toContainEqual({
      level: "info",
      msg: "xmpp link online",
      fields: { service: "xmpp://127.0.0.1:5347", domain: "rest.example.org" },
    });
    await expect(supervisor.waitOnline(0)).resolves.toBeUndefined();
  });

  it("retries an unreachable server at most a second apart, warning once then once a minute", async () => {
    const supervisor = supervise();
    supervisor.start();
    const gaps: number[] = [];
    for (let i = 0; i < 62; i++) {
      server.unreachable();
      await advance(0);
      const before = server.attempts;
      const started = performance.now();
      while (server.attempts === before) await advance(50);
      gaps.push(performance.now() - started);
    }
    expect(gaps.slice(0, 4)).toEqual([250, 500, 1_000, 1_000]);
    expect(Math.max(...gaps)).toBe(1_000);
    expect(reconnects).toBe(62);
    const failed = lines.filter((l) => l.msg === "xmpp connect failed");
    expect(failed).toHaveLength(62);
    expect(failed.filter((l) => l.level === "warn").map((l) => l.fields?.attempt)).toEqual([1, 61]);
    expect(failed[0]?.fields).toEqual({
      service: "xmpp://127.0.0.1:5347",
      reason: "connect ECONNREFUSED 127.0.0.1:5347",
      attempt: 1,
    });
    expect(supervisor.state).toBe("connecting");
    await supervisor.stop();
  });

  it("backs off exponentially from a server that refuses the handshake, warning each time", async () => {
    const supervisor = supervise();
    supervisor.start();
    const gaps: number[] = [];
    for (let i = 0; i < 4; i++) {
      server.accept();
      server.refuse("handshake failed: not-authorized");
      await advance(0);
      const before = server.attempts;
      const started = performance.now();
      while (server.attempts === before) await advance(50);
      gaps.push(performance.now() - started);
    }
    expect(gaps).toEqual([250, 500, 1_000, 2_000]);
    const failed = lines.filter((l) => l.msg === "xmpp connect failed");
    expect(failed.map((l) => l.level)).toEqual(["warn", "warn", "warn", "warn"]);
    expect(failed[0]?.fields?.reason).toBe("handshake failed: not-authorized");
    expect(supervisor.drops).toBe(0);
    await supervisor.stop();
  });

  it("abandons an attempt that is not online within the connect timeout", async () => {
    const supervisor = supervise({ connectTimeoutMs: 3_000 });
    supervisor.start();
    server.accept();
    await advance(2_999);
    expect(supervisor.state).toBe("connecting");
    await advance(1);
    expect(supervisor.state).toBe("offline");
    expect(lines.find((l) => l.msg === "xmpp connect failed")?.fields?.reason).toBe(
      "no handshake within 3000 ms",
    );
    await advance(250);
    expect(server.attempts).toBe(2);
    await supervisor.stop();
  });

  it("counts a drop of an online stream, with the stream error as its reason, and comes back", async () => {
    const supervisor = supervise();
    supervisor.start();
    server.accept();
    server.authenticate();
    const reasons: (string | undefined)[] = [];
    supervisor.onStateChange((_state, reason) => reasons.push(reason));
    server.streamError("system-shutdown");
    server.lose(true);
    expect(supervisor.state).toBe("offline");
    expect(supervisor.drops).toBe(1);
    expect(reasons).toEqual(["stream error system-shutdown"]);
    expect(lines).toContainEqual({
      level: "info",
      msg: "xmpp link offline",
      fields: { reason: "stream error system-shutdown" },
    });
    // Not stable yet (under stableAfterMs online): the next drop waits longer.
    expect(supervisor.retryAfterSeconds()).toBe(1);
    await advance(250);
    expect(server.attempts).toBe(2);
    server.accept();
    server.authenticate();
    server.lose(false);
    await advance(499);
    expect(server.attempts).toBe(2);
    await advance(1);
    expect(server.attempts).toBe(3);
    expect(supervisor.drops).toBe(2);
    await supervisor.stop();
  });

  it("forgets earlier drops once the stream has stayed up for stableAfterMs", async () => {
    const supervisor = supervise();
    supervisor.start();
    for (const upMs of [100, 100, 100]) {
      server.accept();
      server.authenticate();
      await advance(upMs);
      server.lose(false);
      const before = server.attempts;
      while (server.attempts === before) await advance(50);
    }
    server.accept();
    server.authenticate();
    await advance(10_000);
    server.lose(false);
    const started = performance.now();
    const before = server.attempts;
    while (server.attempts === before) await advance(50);
    expect(performance.now() - started).toBe(250);
    await supervisor.stop();
  });

  it("says when to retry from the attempt already scheduled", async () => {
    const supervisor = supervise({ maxBackoffMs: 60_000 });
    expect(supervisor.retryAfterSeconds()).toBe(1);
    supervisor.start();
    for (let i = 0; i < 5; i++) {
      server.accept();
      server.refuse("handshake failed: not-authorized");
      await advance(0);
      if (i < 4) await advance(250 * 2 ** i);
    }
    // The fifth refusal waits 4 s.
    expect(supervisor.retryAfterSeconds()).toBe(4);
    await advance(1_500);
    expect(supervisor.retryAfterSeconds()).toBe(3);
    await supervisor.stop();
  });

  it("stops for good: no reconnect, the stream closed once, further stops do nothing", async () => {
    const supervisor = supervise();
    supervisor.start();
    server.accept();
    server.authenticate();
    await supervisor.stop();
    await supervisor.stop();
    expect(supervisor.state).toBe("stopped");
    expect(server.closed).toBe(1);
    server.lose(true);
    await advance(60_000);
    expect(server.attempts).toBe(1);
    expect(states).toEqual(["connecting", "online", "stopped"]);
    supervisor.start();
    expect(server.attempts).toBe(1);
  });

  it("stops while waiting to reconnect without touching the transport", async () => {
    const supervisor = supervise();
    supervisor.start();
    server.unreachable();
    await advance(0);
    await supervisor.stop();
    await advance(60_000);
    expect(server.attempts).toBe(1);
    expect(server.closed).toBe(0);
  });

  it("rejects a wait for online after its timeout", async () => {
    const supervisor = supervise();
    const waiting = supervisor.waitOnline(5_000);
    const outcome = expect(waiting).rejects.toThrow("XMPP link not online after 5000 ms");
    await advance(5_000);
    await outcome;
  });
});
