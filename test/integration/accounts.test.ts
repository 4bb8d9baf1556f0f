import { randomBytes } from "node:crypto";
import xml from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AccountClient, connectAccountClient } from "../helpers/account-client.js";
import { startTestBridge, type TestBridge } from "../helpers/bridge.js";
import {
  type BotEvent,
  openSse,
  openWebSocket,
  type StreamClient,
} from "../helpers/event-clients.js";
import { ACCOUNT_HOST, startXmppServer, type XmppServer } from "../helpers/server.js";
import { startWebhookServer, type WebhookServer } from "../helpers/webhook-server.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

const ADMIN = "test-token";
const ALICE = `alice@${ACCOUNT_HOST}`;
const CAROL = `carol@${ACCOUNT_HOST}`;
const PASSWORD = "alice-password-1";
const STREAMS = { heartbeatMs: 300, stallMs: 2_000, checkEveryMs: 100 };

let server: XmppServer;
let bridge: TestBridge;
let bob: XmppUser;
let hook: WebhookServer;
let aliceToken = "";
let sequence = 0;
const nextId = () => `acc-${++sequence}-${randomBytes(3).toString("hex")}`;

function api(path: string, init: RequestInit & { token?: string } = {}) {
  const { token = ADMIN, ...rest } = init;
  return fetch(`${bridge.url}${path}`, {
    ...rest,
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      accept: "application/json",
      ...(rest.headers as Record<string, string> | undefined),
    },
  });
}

/** The first event (already received or arriving) that matches. */
async function eventMatching(
  client: StreamClient,
  match: (event: BotEvent) => boolean,
  timeoutMs = 10_000,
): Promise<BotEvent> {
  const until = Date.now() + timeoutMs;
  for (let count = 1; ; count++) {
    const events = await client.waitForCount(count, Math.max(1, until - Date.now()));
    const found = events.find(match);
    if (found) return found;
  }
}

const put = (jid: string, body: Record<string, unknown>) =>
  api(`/v1/accounts/${jid}`, { method: "PUT", body: JSON.stringify(body) });

const accountServer = () => `127.0.0.1:${server.accounts?.port}`;

beforeAll(async () => {
  server = await startXmppServer({
    users: [{ username: "bob", password: "bob-pw" }],
    accountUsers: [
      { username: "alice", password: PASSWORD },
      { username: "carol", password: "carol-password" },
      { username: "dave", password: "dave-password" },
    ],
  });
  hook = await startWebhookServer();
  bridge = await startTestBridge(
    server,
    {
      XMPP_REST_SECRET_KEY: randomBytes(32).toString("hex"),
      XMPP_REST_ACCOUNT_CA_FILE: server.accounts?.caFile ?? "",
      XMPP_REST_IQ_TIMEOUT: "5",
    },
    { streamLimits: STREAMS },
  );
  bob = await connectUser({ c2sPort: server.c2sPort, username: "bob", password: "bob-pw" });
}, 60_000);

afterAll(async () => {
  await bob?.stop();
  await bridge?.stop();
  await hook?.close();
  await server?.stop();
});

describe("an account the operator keeps online", () => {
  it("logs in over STARTTLS with the operator's CA and answers 201 with its state and a token", async () => {
    const res = await put(ALICE, {
      password: PASSWORD,
      server: accountServer(),
      resource: "bridge",
    });
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(body).toMatchObject({
      jid: ALICE,
      state: "online",
      boundJid: `${ALICE}/bridge`,
      features: { archive: true, carbons: true, streamManagement: true },
    });
    expect(body.token).toMatch(/^xr_/);
    aliceToken = String(body.token);
    const again = (await (await api(`/v1/accounts/${ALICE}`)).json()) as Record<string, unknown>;
    expect(again.token).toBeUndefined();
    expect(JSON.stringify(again)).not.toContain(PASSWORD);
  });

  it("refuses a wrong password with 401 auth-failed, and keeps nothing", async () => {
    const res = await put(CAROL, { password: "wrong", server: accountServer() });
    const body = await res.text();
    expect(res.status).toBe(401);
    expect(body).toContain("auth-failed");
    expect(body).not.toContain("wrong");
    expect((await api(`/v1/accounts/${CAROL}`)).status).toBe(404);
  });

  it("refuses a server whose certificate no trusted CA signed: 502 tls-failed", async () => {
    // Only the system's CAs: the harness's private CA is unknown here.
    const other = await startTestBridge(
      { ...server, service: server.silentService, componentDomain: "silent.localhost" },
      { XMPP_REST_SECRET_KEY: randomBytes(32).toString("hex") },
    );
    try {
      const res = await fetch(`${other.url}/v1/accounts/${CAROL}`, {
        method: "PUT",
        headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
        body: JSON.stringify({ password: "carol-password", server: accountServer() }),
      });
      const text = await res.text();
      expect(res.status, text).toBe(502);
      expect(text).toContain("tls-failed");
    } finally {
      await other.stop();
    }
  });

  it("sends as the account, and receives what a user sends it over SSE, WebSocket and long-poll", async () => {
    const sse = await openSse(`${bridge.url}/v1/accounts/${ALICE}/events`, {
      authorization: `Bearer ${aliceToken}`,
    });
    const ws = await openWebSocket(
      `${bridge.url.replace("http", "ws")}/v1/accounts/${ALICE}/events?access_token=${aliceToken}`,
    );
    try {
      const sent = await api(`/v1/accounts/${ALICE}/messages`, {
        method: "POST",
        token: aliceToken,
        body: JSON.stringify({ to: "bob@localhost", body: "hello bob" }),
      });
      expect(sent.status).toBe(202);
      const got = await bob.waitFor((s) => s.getChildText("body") === "hello bob");
      expect(got.attrs.from).toBe(`${ALICE}/bridge`);
      expect(got.getChild("origin-id", "urn:xmpp:sid:0")?.attrs.id).toBe(
        ((await sent.json()) as { id: string }).id,
      );

      await bob.send(
        xml("message", { to: ALICE, type: "chat", id: nextId() }, xml("body", {}, "hi alice")),
      );
      const match = (c: StreamClient) => eventMatching(c, (e) => e.stanza.body === "hi alice");
      const [viaSse, viaWs] = await Promise.all([match(sse), match(ws)]);
      expect(viaSse?.stanza.from).toBe("bob@localhost/test");
      expect(viaWs?.id).toBe(viaSse?.id);
      const polled = (await (
        await api(`/v1/accounts/${ALICE}/events?after=0&wait=5`, { token: aliceToken })
      ).json()) as { stanza: { body?: string } }[];
      expect(polled.some((e) => e.stanza.body === "hi alice")).toBe(true);
    } finally {
      sse.close();
      ws.close();
    }
  });
});
