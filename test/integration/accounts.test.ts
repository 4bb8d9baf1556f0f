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

describe("the account's other clients, its archive, its webhook", () => {
  let phone: AccountClient;
  beforeAll(async () => {
    const host = server.accounts;
    if (!host) throw new Error("no account host");
    phone = await connectAccountClient(host, "alice", PASSWORD, "phone");
  });
  afterAll(async () => {
    await phone?.stop();
  });

  it("shows what the account's other client sends and receives as carbons", async () => {
    const sse = await openSse(`${bridge.url}/v1/accounts/${ALICE}/events`, {
      authorization: `Bearer ${aliceToken}`,
    });
    try {
      await phone.send(
        xml(
          "message",
          { to: "bob@localhost", type: "chat", id: nextId() },
          xml("body", {}, "from my phone"),
        ),
      );
      const sent = await eventMatching(sse, (e) => e.stanza.body === "from my phone");
      expect(sent.stanza).toMatchObject({
        carbon: "sent",
        from: `${ALICE}/phone`,
        to: "bob@localhost",
      });
      await bob.send(
        xml(
          "message",
          { to: `${ALICE}/phone`, type: "chat", id: nextId() },
          xml("body", {}, "to your phone"),
        ),
      );
      const received = await eventMatching(sse, (e) => e.stanza.body === "to your phone");
      expect(received.stanza).toMatchObject({ carbon: "received", to: `${ALICE}/phone` });
    } finally {
      sse.close();
    }
  });

  it("reads history from the archive, both directions, paged both ways, with the live events' ids", async () => {
    const sse = await openSse(`${bridge.url}/v1/accounts/${ALICE}/events`, {
      authorization: `Bearer ${aliceToken}`,
    });
    const live: string[] = [];
    try {
      for (const n of [1, 2, 3]) {
        await bob.send(
          xml(
            "message",
            { to: ALICE, type: "chat", id: nextId() },
            xml("body", {}, `archived ${n}`),
          ),
        );
        const event = await eventMatching(sse, (e) => e.stanza.body === `archived ${n}`);
        const ids =
          (event.stanza as { stanza_ids?: { id: string; by: string }[] }).stanza_ids ?? [];
        const own = ids.find((s) => s.by === ALICE);
        expect(own, JSON.stringify(event.stanza)).toBeDefined();
        live.push(own?.id ?? "");
      }
    } finally {
      sse.close();
    }
    const out = await api(`/v1/accounts/${ALICE}/messages`, {
      method: "POST",
      token: aliceToken,
      body: JSON.stringify({ to: "bob@localhost", body: "archived reply" }),
    });
    expect(out.status).toBe(202);
    await bob.waitFor((s) => s.getChildText("body") === "archived reply");

    type Page = {
      source: string;
      messages: { id: string; body: string; direction: string }[];
      older: { before: string } | null;
      newer: { after: string } | null;
    };
    const read = async (query: string) => {
      const res = await api(`/v1/accounts/${ALICE}/messages?with=bob@localhost&${query}`, {
        token: aliceToken,
      });
      expect(res.status, await res.clone().text()).toBe(200);
      return (await res.json()) as Page;
    };
    const newest = await read("limit=2");
    expect(newest.source).toBe("archive");
    expect(newest.messages.map((m) => [m.body, m.direction])).toEqual([
      ["archived reply", "out"],
      ["archived 3", "in"],
    ]);
    expect(newest.messages[1]?.id).toBe(live[2]);
    expect(newest.older).not.toBeNull();
    const older = await read(`limit=2&before=${encodeURIComponent(newest.older?.before ?? "")}`);
    expect(older.messages.map((m) => m.body)).toEqual(["archived 2", "archived 1"]);
    expect(older.messages.map((m) => m.id)).toEqual([live[1], live[0]]);
    expect(older.newer).not.toBeNull();
    const back = await read(`limit=2&after=${encodeURIComponent(older.newer?.after ?? "")}`);
    expect(back.messages.map((m) => m.body)).toEqual(["archived reply", "archived 3"]);
  });

  it("delivers an account's stanzas to its own webhook", async () => {
    const res = await put(`dave@${ACCOUNT_HOST}`, {
      password: "dave-password",
      server: accountServer(),
      webhook: { callbackUrl: `${hook.url}/dave/{kind}`, callbackContentType: "application/json" },
    });
    expect(res.status, await res.clone().text()).toBe(201);
    await bob.send(
      xml(
        "message",
        { to: `dave@${ACCOUNT_HOST}`, type: "chat", id: nextId() },
        xml("body", {}, "hook me"),
      ),
    );
    const call = await hook.waitFor(
      (r) => r.body.includes("hook me"),
      10_000,
      "dave's webhook call",
    );
    expect(call.url).toBe("/dave/message");
    expect(JSON.parse(call.body)).toMatchObject({ from: "bob@localhost/test", body: "hook me" });
    // Its events are delivered, not pulled.
    expect((await api(`/v1/accounts/dave@${ACCOUNT_HOST}/events`)).status).toBe(409);
  });
});

describe("who may act for an account", () => {
  it("lets an account's token act only as that account, and a bot's token not at all", async () => {
    const other = await api(`/v1/accounts/dave@${ACCOUNT_HOST}/events?wait=0`, {
      token: aliceToken,
    });
    expect(other.status).toBe(403);
    const botPut = await api("/v1/bots/helper", {
      method: "PUT",
      body: JSON.stringify({ tokens: ["helper-bot-token-0123456789"] }),
    });
    expect(botPut.status).toBe(201);
    const botReads = await api(`/v1/accounts/${ALICE}/messages`, {
      token: "helper-bot-token-0123456789",
    });
    expect(botReads.status).toBe(403);
    expect((await api("/v1/bots/helper/events", { token: aliceToken })).status).toBe(403);
    expect((await api("/v1/accounts", { token: aliceToken })).status).toBe(403);
  });

  it("sends POST /rest from the account's session only: another from is 403 and nothing leaves", async () => {
    const forged = await fetch(`${bridge.url}/rest`, {
      method: "POST",
      headers: { authorization: `Bearer ${aliceToken}`, "content-type": "application/json" },
      body: JSON.stringify({
        kind: "message",
        from: `dave@${ACCOUNT_HOST}`,
        to: "bob@localhost",
        body: "forged",
      }),
    });
    expect(forged.status).toBe(403);
    const ping = await fetch(`${bridge.url}/rest`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${aliceToken}`,
        "content-type": "application/json",
        accept: "application/json",
      },
      body: JSON.stringify({ kind: "iq", type: "get", to: ACCOUNT_HOST, ping: true }),
    });
    expect(ping.status, await ping.clone().text()).toBe(200);
    expect(((await ping.json()) as { type: string }).type).toBe("result");
    expect(bob.received.some((s) => s.getChildText("body") === "forged")).toBe(false);
  });
});

describe("bad input", () => {
  it("refuses what is not a bare JID, a password SASL forbids, and an unknown account", async () => {
    expect((await put(encodeURIComponent(`${ALICE}/res`), { password: "x" })).status).toBe(422);
    expect((await put(ACCOUNT_HOST, { password: "x" })).status).toBe(422);
    const bad = await put(CAROL, { password: "a\u0007b", server: accountServer() });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("RFC 4013");
    expect((await api(`/v1/accounts/nobody@${ACCOUNT_HOST}`)).status).toBe(404);
    expect((await put(CAROL, { password: "x", plaintext: true })).status).toBe(422);
  });

  it("answers 502 naming the failure for a server that is not there", async () => {
    const res = await put(CAROL, { password: "carol-password", server: "127.0.0.1:1" });
    expect(res.status).toBe(502);
    expect(await res.text()).toMatch(/ECONNREFUSED/);
  });
});
