import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import xml from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopChild } from "../helpers/child.js";
import { type Run, runCli } from "../helpers/cli.js";
import { freePort } from "../helpers/ports.js";
import { ACCOUNT_HOST, startXmppServer, type XmppServer } from "../helpers/server.js";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

const ADMIN = "recovery-admin-token";
const ALICE = `alice@${ACCOUNT_HOST}`;
const PASSWORD = "alice-password-1";

interface Event {
  id: string;
  stanza: { kind?: string; body?: string; catchup?: boolean; stanza_ids?: { id: string }[] };
}

let server: XmppServer;
let proxy: TcpProxy;
let bob: XmppUser;
let dir: string;
let env: Record<string, string>;
let run: Run | undefined;
let token = "";

const base = () => `http://127.0.0.1:${env.XMPP_REST_HTTP_PORT}`;
const api = (path: string, init: RequestInit = {}, auth = ADMIN) =>
  fetch(`${base()}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${auth}`, "content-type": "application/json" },
  });

async function startBridge(): Promise<Run> {
  const started = runCli([], env, dir);
  await started.waitForLog(/http api listening/);
  return started;
}

/** Every event of alice's log after `after`, read as a client would (long-poll, in pages). */
async function eventsAfter(after: string): Promise<Event[]> {
  const res = await api(`/v1/accounts/${ALICE}/events?after=${after}&limit=100`, {}, token);
  expect(res.status).toBe(200);
  return (await res.json()) as Event[];
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const bodies = (events: Event[]) =>
  events.filter((e) => e.stanza.kind === "message" && e.stanza.body).map((e) => e.stanza.body);

async function accountState(): Promise<string | undefined> {
  const res = await api(`/v1/accounts/${ALICE}`);
  return ((await res.json()) as { state?: string }).state;
}

beforeAll(async () => {
  server = await startXmppServer({
    users: [{ username: "bob", password: "bob-pw" }],
    accountUsers: [{ username: "alice", password: PASSWORD }],
  });
  proxy = await startTcpProxy(server.accounts?.port ?? 0);
  dir = await mkdtemp(join(tmpdir(), "xmpp-rest-account-recovery-"));
  const caFile = join(dir, "ca.pem");
  await writeFile(caFile, server.accounts?.caPem ?? "");
  env = {
    XMPP_REST_DOMAIN: server.componentDomain,
    XMPP_REST_SECRET: server.componentSecret,
    XMPP_REST_SERVICE: server.service,
    XMPP_REST_TOKENS: ADMIN,
    XMPP_REST_HTTP_PORT: String(await freePort()),
    XMPP_REST_STORE: join(dir, "store.db"),
    XMPP_REST_SECRET_KEY: randomBytes(32).toString("hex"),
    XMPP_REST_ACCOUNT_CA_FILE: caFile,
  };
  bob = await connectUser({ c2sPort: server.c2sPort, username: "bob", password: "bob-pw" });
  run = await startBridge();
  const res = await api(`/v1/accounts/${ALICE}`, {
    method: "PUT",
    body: JSON.stringify({ password: PASSWORD, server: proxy.address }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  token = ((await res.json()) as { token: string }).token;
}, 60_000);

afterAll(async () => {
  await stopChild(run?.child);
  await bob?.stop();
  await proxy?.close();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const say = (body: string) =>
  bob.send(
    xml(
      "message",
      { to: ALICE, type: "chat", id: randomBytes(4).toString("hex") },
      xml("body", {}, body),
    ),
  );

describe("an account misses nothing", () => {
  it("resumes a cut TCP connection (XEP-0198): what was sent meanwhile arrives once, not as catch-up", async () => {
    await say("before the cut");
    const first = await until(async () => {
      const events = await eventsAfter("0");
      return bodies(events).includes("before the cut") ? events : undefined;
    }, "the first message");
    const last = first.at(-1)?.id ?? "0";
    const connections = proxy.connections;
    proxy.cut();
    await until(async () => ((await accountState()) !== "online" ? true : undefined), "the drop");
    for (const n of [1, 2, 3]) await say(`during the cut ${n}`);
    proxy.resume();
    const events = await until(async () => {
      const got = await eventsAfter(last);
      return bodies(got).length >= 3 ? got : undefined;
    }, "the held messages");
    expect(bodies(events)).toEqual(["during the cut 1", "during the cut 2", "during the cut 3"]);
    expect(events.some((e) => e.stanza.catchup)).toBe(false);
    expect(proxy.connections).toBeGreaterThan(connections);
    expect(await accountState()).toBe("online");
  });

  it("after kill -9 and a restart, recovers from the archive exactly what was sent meanwhile, in order, marked catchup", async () => {
    await say("before the crash");
    const before = await until(async () => {
      const events = await eventsAfter("0");
      return bodies(events).includes("before the crash") ? events : undefined;
    }, "the message before the crash");
    const last = before.at(-1)?.id ?? "0";
    run?.child.kill("SIGKILL");
    await run?.exited;
    for (const n of [1, 2, 3]) await say(`while down ${n}`);
    run = await startBridge();
    await until(
      async () => ((await accountState()) === "online" ? true : undefined),
      "online again",
    );
    const events = await until(async () => {
      const got = await eventsAfter(last);
      return bodies(got).length >= 3 ? got : undefined;
    }, "the missed messages");
    // A moment for anything that would come twice.
    await new Promise((r) => setTimeout(r, 500));
    const after = (await eventsAfter(last)).filter(
      (e) => e.stanza.kind === "message" && e.stanza.body,
    );
    expect(after.map((e) => e.stanza.body)).toEqual([
      "while down 1",
      "while down 2",
      "while down 3",
    ]);
    expect(after.every((e) => e.stanza.catchup === true)).toBe(true);
    expect(events.length).toBeGreaterThanOrEqual(3);
  });
});
