import xml from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/log.js";
import { startTestBridge, type TestBridge, TOKEN } from "../helpers/bridge.js";
import { freePort } from "../helpers/ports.js";
import { startXmppServer, type XmppServer } from "../helpers/server.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

const CALLBACK_TOKEN = "callback-token-for-logs";
const CALLBACK_SECRET = "callback-secret-for-logs";
const OUT_BODY = "private words sent over HTTP";
const IN_BODY = "private words sent by alice";

interface LogRecord {
  level: string;
  msg: string;
  requestId?: string;
  stanzaId?: string;
  [key: string]: unknown;
}

let server: XmppServer;
let bridge: TestBridge;
let alice: XmppUser;
const lines: string[] = [];
const waiters = new Set<() => void>();
const capture = (line: string) => {
  lines.push(line);
  for (const waiter of [...waiters]) waiter();
};

beforeAll(async () => {
  server = await startXmppServer({ users: [{ username: "alice", password: "alice-pw" }] });
  // Nothing listens there: every webhook call fails, which is logged at warn.
  const closedPort = await freePort();
  bridge = await startTestBridge(
    server,
    {
      XMPP_REST_CALLBACK_URL: `http://127.0.0.1:${closedPort}/hook`,
      XMPP_REST_CALLBACK_TOKEN: CALLBACK_TOKEN,
      XMPP_REST_CALLBACK_SECRET: CALLBACK_SECRET,
    },
    { log: createLogger("debug", { format: "json", write: capture }) },
  );
  alice = await connectUser({ c2sPort: server.c2sPort, username: "alice", password: "alice-pw" });
});

afterAll(async () => {
  await alice?.stop();
  await bridge?.stop();
  await server?.stop();
});

const records = () => lines.map((line) => JSON.parse(line) as LogRecord);

/** The first log record (already written or coming) that matches. */
function waitForRecord(match: (r: LogRecord) => boolean, what: string): Promise<LogRecord> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const found = records().find(match);
      if (!found) return false;
      clearTimeout(timer);
      waiters.delete(onLine);
      resolve(found);
      return true;
    };
    const onLine = () => void check();
    const timer = setTimeout(() => {
      waiters.delete(onLine);
      reject(new Error(`no log line: ${what}`));
    }, 10_000);
    if (!check()) waiters.add(onLine);
  });
}

describe("the bridge's log", () => {
  it("gives each HTTP request an id, in the line about it and in X-Request-Id", async () => {
    const res = await bridge.post(
      `<message to="${alice.jid}" type="chat" id="out-1"><body>${OUT_BODY}</body></message>`,
    );
    expect(res.status).toBe(202);
    const id = res.headers.get("x-request-id");
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/);
    const line = await waitForRecord(
      (r) => r.msg === "http request" && r.requestId === id,
      id ?? "",
    );
    expect(line).toMatchObject({ method: "POST", path: "/rest", status: 202 });

    const kept = await bridge.post(
      `<message to="${alice.jid}" type="chat"><body>x</body></message>`,
      { "x-request-id": "proxy-id.42" },
    );
    expect(kept.headers.get("x-request-id")).toBe("proxy-id.42");
  });

  it("names the stanza id in the lines about a stanza", async () => {
    await alice.send(
      xml(
        "message",
        { to: "bot@rest.localhost", type: "chat", id: "in-1" },
        xml("body", {}, IN_BODY),
      ),
    );
    // Every failed attempt at debug; the webhook's failing episode once at warn.
    const attempt = await waitForRecord((r) => r.msg === "webhook call failed", "attempt");
    expect(attempt).toMatchObject({ level: "debug", stanzaId: "in-1" });
    const episode = await waitForRecord((r) => r.msg.startsWith("webhook failing"), "episode");
    expect(episode).toMatchObject({ level: "warn", stanzaId: "in-1" });
  });

  it("never logs tokens or secrets, and no message content above debug", async () => {
    const refused = await bridge.post("<message/>", {
      authorization: "Bearer wrong-token-in-logs",
    });
    expect(refused.status).toBe(403);
    await waitForRecord((r) => r.status === 403, "the refused request");

    const all = lines.join("");
    expect(all.length).toBeGreaterThan(0);
    for (const secret of [
      TOKEN,
      "second-token",
      "wrong-token-in-logs",
      server.componentSecret,
      CALLBACK_TOKEN,
      CALLBACK_SECRET,
    ]) {
      expect(all).not.toContain(secret);
    }
    const aboveDebug = lines.filter((line) => !line.includes('"level":"debug"')).join("");
    expect(aboveDebug).toContain("webhook failing");
    expect(aboveDebug).not.toContain(OUT_BODY);
    expect(aboveDebug).not.toContain(IN_BODY);
  });
});
