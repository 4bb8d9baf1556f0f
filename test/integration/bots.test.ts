import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { type IncomingMessage, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import xml, { type Element } from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseXmlElement } from "../../src/formats/xml.js";
import { botOwner, ownerId } from "../../src/owner.js";
import { startTestBridge, type TestBridge } from "../helpers/bridge.js";
import { type BotEvent, openSse, openWebSocket } from "../helpers/event-clients.js";
import { startXmppServer, type XmppServer } from "../helpers/server.js";
import { startWebhookServer, type WebhookServer } from "../helpers/webhook-server.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

const DOMAIN = "rest.localhost";
const ADMIN = "test-token";
const HOOKED = "hooked-bot-token-0123456789";
const PULLER = "puller-bot-token-0123456789";
const STREAMS = { heartbeatMs: 300, stallMs: 2_000, checkEveryMs: 100 };

let prosody: XmppServer;
let hook: WebhookServer;
let bridge: TestBridge;
let alice: XmppUser;
let bob: XmppUser;
let dir: string;
let configPath: string;
let sequence = 0;

const nextId = (prefix: string) => `${prefix}-${++sequence}`;

async function startBridge() {
  bridge = await startTestBridge(
    prosody,
    // One store file for the whole run: the restart test starts on what the last run left.
    { XMPP_REST_IQ_TIMEOUT: "2", XMPP_REST_STORE: join(dir, "store.db") },
    { configPath, streamLimits: STREAMS },
  );
}

/** A fetch against the bridge with the given token (admin by default). */
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

async function chat(from: XmppUser, to: string, body: string): Promise<string> {
  const id = nextId("m");
  await from.send(xml("message", { to, type: "chat", id }, xml("body", {}, body)));
  return id;
}

beforeAll(async () => {
  prosody = await startXmppServer({
    users: ["alice", "bob"].map((username) => ({ username, password: `${username}-pw` })),
  });
  hook = await startWebhookServer((req) =>
    req.method === "POST" ? { status: 204 } : { status: 200 },
  );
  dir = await mkdtemp(join(tmpdir(), "xmpp-rest-bots-"));
  configPath = join(dir, "config.json");
  await writeFile(
    configPath,
    JSON.stringify({
      bots: {
        hooked: { tokens: [HOOKED], callbackUrl: `${hook.url}/hooked` },
        puller: { tokens: [PULLER] },
      },
    }),
  );
  await startBridge();
  alice = await connectUser({ c2sPort: prosody.c2sPort, username: "alice", password: "alice-pw" });
  bob = await connectUser({ c2sPort: prosody.c2sPort, username: "bob", password: "bob-pw" });
});

afterAll(async () => {
  await alice?.stop();
  await bob?.stop();
  await bridge?.stop();
  await hook?.close();
  await prosody?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("bots from the config file and the admin API", () => {
  let madeToken: string;

  it("creates a bot with the admin API and answers it with a generated token", async () => {
    const res = await api("/v1/bots/made", { method: "PUT", body: "{}" });
    expect(res.status).toBe(201);
    const bot = (await res.json()) as { name: string; address: string; token: string };
    expect(bot.name).toBe("made");
    expect(bot.address).toBe(`made@${DOMAIN}`);
    expect(bot.token).toMatch(/^xr_/);
    madeToken = bot.token;

    const list = (await (await api("/v1/bots")).json()) as { bots: { name: string }[] };
    expect(list.bots.map((b) => b.name)).toEqual(["hooked", "made", "puller"]);
  });

  it("gives each bot only its own stanzas: webhook, SSE, WebSocket and long-poll", async () => {
    const sse = await openSse(`${bridge.url}/v1/bots/puller/events`, {
      authorization: `Bearer ${PULLER}`,
    });
    expect(sse.status).toBe(200);
    const ws = await openWebSocket(`${bridge.url.replace("http", "ws")}/v1/bots/made/events`, {
      authorization: `Bearer ${madeToken}`,
    });
    try {
      await chat(alice, `hooked@${DOMAIN}`, "to the webhook");
      await chat(alice, `puller@${DOMAIN}/any`, "to the sse bot");
      await chat(bob, `made@${DOMAIN}`, "to the ws bot");

      const req = await hook.waitFor((r) => r.body.includes("to the webhook"));
      expect(req.url).toBe("/hooked");
      const [pulled] = await sse.waitForCount(1);
      expect(pulled?.stanza.body).toBe("to the sse bot");
      expect(pulled?.stanza.from).toBe(alice.jid);
      const [made] = await ws.waitForCount(1);
      expect(made?.stanza.body).toBe("to the ws bot");
      expect(made?.stanza.from).toBe(bob.jid);

      // The same log by long-poll: made's one event, nothing of the others'.
      const polled = (await (
        await api("/v1/bots/made/events?after=0", { token: madeToken })
      ).json()) as BotEvent[];
      expect(polled.map((e) => e.stanza.body)).toEqual(["to the ws bot"]);
      expect(polled[0]?.id).toBe(made?.id);
      expect(sse.events).toHaveLength(1);
      expect(ws.events).toHaveLength(1);
      expect(hook.requests.filter((r) => r.body.includes("to the sse bot"))).toHaveLength(0);
    } finally {
      sse.close();
      ws.close();
    }
  });

  it("uses one event shape: id, RFC 3339 time, the typed event, the JSON mapping, and XML when asked", async () => {
    const after = await lastId("puller", PULLER);
    await chat(alice, `puller@${DOMAIN}`, "shape <&>");
    const res = await api(`/v1/bots/puller/events?after=${after}&wait=10&format=xml`, {
      token: PULLER,
    });
    const [event] = (await res.json()) as BotEvent[];
    expect(Object.keys(event ?? {}).sort()).toEqual(["event", "id", "stanza", "time", "xml"]);
    expect((event as BotEvent & { event?: unknown })?.event).toMatchObject({
      type: "message",
      from: alice.jid,
      body: "shape <&>",
    });
    expect(event?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(event?.stanza).toMatchObject({ kind: "message", type: "chat", body: "shape <&>" });
    const parsed = parseXmlElement(event?.xml ?? "").root;
    expect(parsed.getChildText("body")).toBe("shape <&>");
  });
});

/** The id of the bot's newest event, by a long-poll from 0 (acknowledging everything). */
async function lastId(bot: string, token: string): Promise<string> {
  let after = "0";
  for (;;) {
    const events = (await (
      await api(`/v1/bots/${bot}/events?after=${after}&limit=100`, { token })
    ).json()) as BotEvent[];
    const last = events[events.length - 1];
    if (!last) return after;
    after = last.id;
  }
}

describe("resuming a stream", () => {
  it("SSE: reconnecting with Last-Event-ID gets exactly the three missed, in order", async () => {
    const from = await lastId("puller", PULLER);
    const first = await openSse(`${bridge.url}/v1/bots/puller/events?after=${from}`, {
      authorization: `Bearer ${PULLER}`,
    });
    await chat(alice, `puller@${DOMAIN}`, "seen");
    const [seen] = await first.waitForCount(1);
    first.close();
    await first.closed();

    for (const n of [1, 2, 3]) await chat(alice, `puller@${DOMAIN}`, `missed ${n}`);
    await waitForEvents("puller", PULLER, seen?.id ?? "0", 3);

    const again = await openSse(`${bridge.url}/v1/bots/puller/events`, {
      authorization: `Bearer ${PULLER}`,
      "last-event-id": seen?.id ?? "",
    });
    try {
      const events = await again.waitForCount(3);
      expect(events.map((e) => e.stanza.body)).toEqual(["missed 1", "missed 2", "missed 3"]);
      await chat(alice, `puller@${DOMAIN}`, "live");
      await again.waitForCount(4);
      expect(again.events.map((e) => e.stanza.body)).toEqual([
        "missed 1",
        "missed 2",
        "missed 3",
        "live",
      ]);
    } finally {
      again.close();
    }
  });

  it("WebSocket: ?after= resumes across a bridge restart, losing nothing", async () => {
    const from = await lastId("puller", PULLER);
    const wsUrl = `${bridge.url.replace("http", "ws")}/v1/bots/puller/events`;
    const first = await openWebSocket(`${wsUrl}?after=${from}`, {
      authorization: `Bearer ${PULLER}`,
    });
    await chat(bob, `puller@${DOMAIN}`, "before the restart");
    const [seen] = await first.waitForCount(1);

    await bridge.stop();
    await first.closed();
    expect(first.closeReason).toBe("the bridge is shutting down");
    // While the bridge is away the server keeps nothing for a component; send after it is back.
    await startBridge();
    for (const n of [1, 2, 3]) await chat(bob, `puller@${DOMAIN}`, `after ${n}`);
    await waitForEvents("puller", PULLER, seen?.id ?? "0", 3);

    const again = await openWebSocket(
      `${bridge.url.replace("http", "ws")}/v1/bots/puller/events?after=${seen?.id}`,
      { authorization: `Bearer ${PULLER}` },
    );
    try {
      const events = await again.waitForCount(3);
      expect(events.map((e) => e.stanza.body)).toEqual(["after 1", "after 2", "after 3"]);
    } finally {
      again.close();
    }
  });
});

/** Waits until the store holds `count` events after `after` (no long-poll side effects). */
async function waitForEvents(bot: string, _token: string, after: string, count: number) {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const stream = ownerId(botOwner(bot));
    if ((await bridge.bridge.store.readEvents(stream, after, count)).length >= count) return;
    await new Promise<void>((resolve) => {
      const off = bridge.bridge.store.watchEvents(stream, () => {
        off();
        clearTimeout(timer);
        resolve();
      });
      const timer = setTimeout(() => {
        off();
        resolve();
      }, 500);
    });
  }
  throw new Error(`fewer than ${count} events after ${after} for ${bot}`);
}

describe("long-poll", () => {
  it("returns at once when events wait, early when one arrives, [] after the wait", async () => {
    const from = await lastId("puller", PULLER);
    await chat(alice, `puller@${DOMAIN}`, "waiting");
    await waitForEvents("puller", PULLER, from, 1);
    const started = Date.now();
    const ready = (await (
      await api(`/v1/bots/puller/events?after=${from}&wait=30`, { token: PULLER })
    ).json()) as BotEvent[];
    expect(ready.map((e) => e.stanza.body)).toEqual(["waiting"]);
    expect(Date.now() - started).toBeLessThan(10_000);

    const next = ready[0]?.id ?? "0";
    const polling = api(`/v1/bots/puller/events?after=${next}&wait=30`, { token: PULLER });
    // The poll is waiting once the bridge counts it as a consumer.
    await until(async () => (await botInfo("puller")).consumers === 1);
    await chat(alice, `puller@${DOMAIN}`, "during the wait");
    const arrived = (await (await polling).json()) as BotEvent[];
    expect(arrived.map((e) => e.stanza.body)).toEqual(["during the wait"]);

    const last = arrived[0]?.id ?? "0";
    const empty = await api(`/v1/bots/puller/events?after=${last}&wait=0.5`, { token: PULLER });
    expect(empty.status).toBe(200);
    expect(await empty.json()).toEqual([]);
  });

  it("without after, starts after the last acknowledged event (Telegram's offset rule)", async () => {
    const acked = await lastId("puller", PULLER);
    await chat(bob, `puller@${DOMAIN}`, "unacknowledged");
    await waitForEvents("puller", PULLER, acked, 1);
    const events = (await (
      await api("/v1/bots/puller/events", { token: PULLER })
    ).json()) as BotEvent[];
    expect(events.map((e) => e.stanza.body)).toEqual(["unacknowledged"]);
  });

  it("refuses a bad after (400), refuses or clamps wait and limit as documented", async () => {
    for (const query of [
      "after=abc",
      "after=-1",
      "after=1.5",
      "wait=-1",
      "wait=x",
      "limit=0",
      "limit=x",
    ]) {
      const res = await api(`/v1/bots/puller/events?${query}`, { token: PULLER });
      expect(res.status, query).toBe(400);
      const body = (await res.json()) as { error: { text: string } };
      expect(body.error.text.length, query).toBeGreaterThan(10);
    }
    const clamped = await api("/v1/bots/puller/events?limit=100000&wait=0", { token: PULLER });
    expect(clamped.status).toBe(200);
  });
});

async function botInfo(name: string) {
  return (await (await api(`/v1/bots/${name}`)).json()) as { consumers: number };
}

async function until(test: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe("scoped tokens", () => {
  it("a bot's token sends as the bot by default and never as another", async () => {
    const ok = await api("/rest", {
      method: "POST",
      token: PULLER,
      headers: { "content-type": "application/xmpp+xml" },
      body: `<message to="${alice.jid}" type="chat" id="scoped-1"><body>from puller</body></message>`,
    });
    expect(ok.status).toBe(202);
    const got = await alice.waitFor((s) => s.attrs.id === "scoped-1");
    expect(got.attrs.from).toBe(`puller@${DOMAIN}`);

    for (const from of [`hooked@${DOMAIN}`, DOMAIN, `other@${DOMAIN}/x`]) {
      const res = await api("/rest", {
        method: "POST",
        token: PULLER,
        headers: { "content-type": "application/xmpp+xml" },
        body: `<message to="${alice.jid}" from="${from}" id="forged"><body>forged</body></message>`,
      });
      expect(res.status, from).toBe(403);
    }
    const resource = await api("/rest", {
      method: "POST",
      token: PULLER,
      headers: { "content-type": "application/xmpp+xml" },
      body: `<message to="${alice.jid}" from="puller@${DOMAIN}/desk" id="scoped-2"><body>r</body></message>`,
    });
    expect(resource.status).toBe(202);
    expect((await alice.waitFor((s) => s.attrs.id === "scoped-2")).attrs.from).toBe(
      `puller@${DOMAIN}/desk`,
    );
    expect(alice.received.some((s) => s.attrs.id === "forged")).toBe(false);
  });

  it("a bot's token cannot read another bot's events or history, or use the admin API (403); admin can", async () => {
    for (const path of [
      "/v1/bots/hooked",
      "/v1/bots/made/events",
      "/v1/bots/made/messages",
      "/v1/bots/nosuchbot/events",
      "/v1/bots",
    ]) {
      expect((await api(path, { token: PULLER })).status, path).toBe(403);
    }
    expect((await api("/v1/bots/puller", { method: "DELETE", token: PULLER })).status).toBe(403);
    expect(
      (
        await api("/v1/bots/made/messages", {
          method: "POST",
          token: PULLER,
          body: '{"to":"a@localhost","body":"x"}',
        })
      ).status,
    ).toBe(403);
    expect((await api("/v1/bots/made/events?after=0")).status).toBe(200);
    expect((await api("/v1/bots/made/messages")).status).toBe(200);
    const sse = await openSse(`${bridge.url}/v1/bots/made/events`, {
      authorization: `Bearer ${PULLER}`,
    });
    expect(sse.status).toBe(403);
  });

  it("accepts ?access_token= on GET for browsers, and refuses it on other methods", async () => {
    const res = await fetch(`${bridge.url}/v1/bots/puller/events?wait=0&access_token=${PULLER}`);
    expect(res.status).toBe(200);
    const post = await fetch(`${bridge.url}/v1/bots/puller/messages?access_token=${PULLER}`, {
      method: "POST",
      body: "{}",
    });
    expect(post.status).toBe(401);
  });
});

describe("bad input", () => {
  it("unknown bot 404; a name that is not a localpart 422 naming the problem", async () => {
    expect((await api("/v1/bots/nosuchbot")).status).toBe(404);
    expect((await api("/v1/bots/nosuchbot/events")).status).toBe(404);
    for (const [name, problem] of [
      ["a%40b", "'@'"],
      ["a%20b", "U+0020"],
      ["x".repeat(1024), "1023 bytes"],
    ] as const) {
      const res = await api(`/v1/bots/${name}`, { method: "PUT", body: "{}" });
      expect(res.status, name).toBe(422);
      expect(((await res.json()) as { error: { text: string } }).error.text).toContain(problem);
    }
  });

  it("refuses bad settings with 422 and config-file bots with 409", async () => {
    for (const body of [
      '{"callbackUrl":"ftp://x"}',
      '{"tokens":["short"]}',
      '{"callbackURL":"http://127.0.0.1/"}',
      "[]",
    ]) {
      expect((await api("/v1/bots/newbot", { method: "PUT", body })).status, body).toBe(422);
    }
    expect((await api("/v1/bots/newbot", { method: "PUT", body: "{not json" })).status).toBe(400);
    expect((await api("/v1/bots/puller", { method: "PUT", body: "{}" })).status).toBe(409);
    expect((await api("/v1/bots/puller", { method: "DELETE" })).status).toBe(409);
  });
});

describe("iqs to bots", () => {
  it("the bridge answers disco#info (client/bot) and ping for every bot", async () => {
    for (const bot of ["puller", "hooked"]) {
      const id = nextId("disco");
      await alice.send(
        xml(
          "iq",
          { type: "get", to: `${bot}@${DOMAIN}`, id },
          xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }),
        ),
      );
      const reply = await alice.waitFor((s) => s.attrs.id === id);
      expect(reply.attrs.type).toBe("result");
      const identity = reply.getChild("query")?.getChild("identity");
      expect(identity?.attrs).toMatchObject({ category: "client", type: "bot" });
      const features = reply
        .getChild("query")
        ?.getChildren("feature")
        .map((f) => f.attrs.var);
      expect(features).toContain("urn:xmpp:ping");

      const pingId = nextId("ping");
      await alice.send(
        xml(
          "iq",
          { type: "get", to: `${bot}@${DOMAIN}/r`, id: pingId },
          xml("ping", { xmlns: "urn:xmpp:ping" }),
        ),
      );
      const pong = await alice.waitFor((s) => s.attrs.id === pingId);
      expect(pong.attrs.type).toBe("result");
      expect(pong.attrs.from).toBe(`${bot}@${DOMAIN}/r`);
    }
  });

  it("a pulling bot answers an iq it received, once; a second answer is 422", async () => {
    const from = await lastId("puller", PULLER);
    const id = nextId("iq");
    await alice.send(
      xml(
        "iq",
        { type: "get", to: `puller@${DOMAIN}/desk`, id },
        xml("query", { xmlns: "urn:example:q" }),
      ),
    );
    await waitForEvents("puller", PULLER, from, 1);
    const [event] = (await (
      await api(`/v1/bots/puller/events?after=${from}`, { token: PULLER })
    ).json()) as BotEvent[];
    expect(event?.stanza).toMatchObject({ kind: "iq", type: "get", id });

    const answer = `<iq type="result" to="${alice.jid}" id="${id}"><query xmlns="urn:example:q"><answer>42</answer></query></iq>`;
    const post = (body: string) =>
      api("/rest", {
        method: "POST",
        token: PULLER,
        headers: { "content-type": "application/xmpp+xml" },
        body,
      });
    expect((await post(answer)).status).toBe(202);
    const reply = await alice.waitFor((s) => s.attrs.id === id);
    expect(reply.attrs.type).toBe("result");
    expect(reply.attrs.from).toBe(`puller@${DOMAIN}/desk`);
    expect(reply.getChild("query")?.getChildText("answer")).toBe("42");

    expect((await post(answer)).status).toBe(422);
    const stranger = `<iq type="result" to="${alice.jid}" id="never-asked"/>`;
    expect((await post(stranger)).status).toBe(422);
  });

  it("an iq the bot does not answer gets wait/remote-server-timeout", async () => {
    const id = nextId("iq");
    await alice.send(
      xml(
        "iq",
        { type: "set", to: `made@${DOMAIN}`, id },
        xml("query", { xmlns: "urn:example:q" }),
      ),
    );
    const reply: Element = await alice.waitFor((s) => s.attrs.id === id, 10_000);
    expect(reply.attrs.type).toBe("error");
    const error = reply.getChild("error");
    expect(error?.attrs.type).toBe("wait");
    expect(error?.getChild("remote-server-timeout")).toBeDefined();
  });
});

describe("history and sending as a bot", () => {
  it("POST /v1/bots/{name}/messages sends a chat message from the bot (202 with its id)", async () => {
    const res = await api("/v1/bots/puller/messages", {
      method: "POST",
      token: PULLER,
      body: JSON.stringify({ to: bob.jid, body: "hello bob", thread: "t1" }),
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const got = await bob.waitFor((s) => s.attrs.id === id);
    expect(got.attrs).toMatchObject({ from: `puller@${DOMAIN}`, type: "chat" });
    expect(got.getChildText("body")).toBe("hello bob");
    expect(got.getChildText("thread")).toBe("t1");
  });

  it("pages history newest first in both directions, with what the next page needs", async () => {
    const res0 = await api("/v1/bots", { method: "GET" });
    expect(res0.status).toBe(200);
    await api("/v1/bots/pager", {
      method: "PUT",
      body: JSON.stringify({ tokens: ["pager-token-0123456789"] }),
    });
    const token = "pager-token-0123456789";
    const count = async () =>
      (
        (await (await api("/v1/bots/pager/messages?limit=100", { token })).json()) as {
          messages: unknown[];
        }
      ).messages.length;
    for (const n of [1, 2, 3]) {
      await chat(alice, `pager@${DOMAIN}`, `in ${n}`);
      // Kept in arrival order: wait for the inbound one before answering it.
      await until(async () => (await count()) === 2 * n - 1);
      const sent = await api("/v1/bots/pager/messages", {
        method: "POST",
        token,
        body: JSON.stringify({ to: alice.jid, body: `out ${n}` }),
      });
      expect(sent.status).toBe(202);
      await alice.waitFor((s) => s.getChildText("body") === `out ${n}`);
    }
    await chat(bob, `pager@${DOMAIN}`, "from bob");
    await until(async () => (await count()) === 7);

    type Page = {
      messages: {
        id: string;
        direction: string;
        body: string;
        from: string;
        to: string;
        stanza: { body?: string };
      }[];
      older: { before: string } | null;
      newer: { after: string } | null;
    };
    const first = (await (
      await api(`/v1/bots/pager/messages?with=${encodeURIComponent(alice.jid)}&limit=4`, { token })
    ).json()) as Page;
    expect(first.messages.map((m) => m.body)).toEqual(["out 3", "in 3", "out 2", "in 2"]);
    expect(first.messages[0]).toMatchObject({ direction: "out", from: `pager@${DOMAIN}` });
    expect(first.messages[1]).toMatchObject({ direction: "in", from: alice.jid });
    expect(first.messages[1]?.stanza.body).toBe("in 3");
    expect(first.newer).toBeNull();
    expect(first.older).not.toBeNull();

    const second = (await (
      await api(
        `/v1/bots/pager/messages?with=alice@localhost&limit=4&before=${first.older?.before}`,
        { token },
      )
    ).json()) as Page;
    expect(second.messages.map((m) => m.body)).toEqual(["out 1", "in 1"]);
    expect(second.older).toBeNull();
    expect(second.newer).toEqual({ after: second.messages[0]?.id });

    const forward = (await (
      await api(
        `/v1/bots/pager/messages?with=alice@localhost&limit=2&after=${second.messages[0]?.id}`,
        { token },
      )
    ).json()) as Page;
    expect(forward.messages.map((m) => m.body)).toEqual(["out 2", "in 2"]);

    const all = (await (await api("/v1/bots/pager/messages", { token })).json()) as Page;
    expect(all.messages[0]?.body).toBe("from bob");
    expect((await api("/v1/bots/pager/messages?before=x", { token })).status).toBe(400);
    expect((await api("/v1/bots/pager/messages?with=a@b@c", { token })).status).toBe(400);
  });
});

describe("slow consumers", () => {
  /** Appends big events straight to the store, more than socket buffers hold. */
  async function flood(bot: string) {
    const big = "x".repeat(64 * 1024);
    for (let n = 0; n < 300; n++) {
      await bridge.bridge.store.append({
        stream: ownerId(botOwner(bot)),
        kind: "message",
        stanza: `<message from="alice@localhost/test" to="${bot}@${DOMAIN}" type="chat" id="flood-${n}"><body>${big}</body></message>`,
      });
    }
  }

  it("cuts off an SSE reader that takes nothing, with a close event saying why", async () => {
    await api("/v1/bots/slowsse", { method: "PUT", body: "{}" });
    // Its own connection (no keep-alive pool), paused: a reader that takes nothing.
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(`${bridge.url}/v1/bots/slowsse/events?after=0`, {
        agent: false,
        headers: { authorization: `Bearer ${ADMIN}`, accept: "text/event-stream" },
      });
      req.once("response", resolve);
      req.once("error", reject);
      req.end();
    });
    expect(response.statusCode).toBe(200);
    response.pause();
    await flood("slowsse");
    // The bridge stops reading the log for it, then closes it after stallMs.
    await until(async () => (await botInfo("slowsse")).consumers === 0, 20_000);
    let text = "";
    response.setEncoding("utf8");
    response.on("data", (chunk: string) => {
      text += chunk;
    });
    await new Promise<void>((resolve) => {
      response.once("end", resolve);
      response.once("error", () => resolve());
      response.once("close", resolve);
      response.resume();
    });
    expect(text).toContain('event: close\ndata: {"reason":"slow consumer');
  });

  it("cuts off a WebSocket reader that takes nothing, with close code 1008 and the reason", async () => {
    await api("/v1/bots/slowws", { method: "PUT", body: "{}" });
    const client = await openWebSocket(
      `${bridge.url.replace("http", "ws")}/v1/bots/slowws/events?after=0`,
      { authorization: `Bearer ${ADMIN}` },
    );
    client.pause();
    await flood("slowws");
    await until(async () => (await botInfo("slowws")).consumers === 0, 20_000);
    client.resume();
    await client.closed(20_000);
    expect(client.closeReason).toContain("slow consumer");
    expect(client.closeCode).toBe(1008);
    expect(client.events.length).toBeLessThan(300);
  });
});
