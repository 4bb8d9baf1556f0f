import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Element } from "@xmpp/xml";
import { MockAgent } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseXmlElement } from "../../../src/formats/xml.js";
import { silentLogger } from "../../../src/log.js";
import { parseJid } from "../../../src/stanza/jid.js";
import { openStore, type Store } from "../../../src/store/index.js";
import { createDispatcher, type WebhookDispatcher } from "../../../src/webhook/dispatcher.js";
import type { WebhookSettings } from "../../../src/webhook/settings.js";

const config: WebhookSettings = {
  domain: "rest.example",
  stanzaSizeLimit: 10_000,
  callbackUrl: "http://bot.test/hook/{kind}",
  callbackStanzas: ["message", "presence", "iq"],
  callbackEvents: ["bare", "full", "host"],
  callbackContentType: "application/xmpp+xml",
  callbackTimeoutMs: 1_000,
  callbackConcurrency: 4,
  callbackQueueSize: 100,
  callbackSecret: undefined,
  callbackToken: "t0k",
  callbackRetryMs: [10, 10],
};

const stanza = (text: string) => parseXmlElement(text).root;

/** Hands a stanza over as the inbound router does: addresses parsed and normalised. */
function handle(dispatcher: Pick<WebhookDispatcher, "handle">, element: Element): void {
  const to = parseJid(element.attrs.to ?? "");
  if (!to) throw new Error("a test stanza needs a to");
  dispatcher.handle(element, to);
}

let agent: MockAgent;
let dir: string;
let store: Store;
let sent: Element[];
let waiters: (() => void)[];
const link = {
  send: async (el: Element) => {
    sent.push(el);
    for (const w of waiters.splice(0)) w();
  },
};
const sentCount = (n: number) =>
  new Promise<void>((resolve) => {
    const check = () => (sent.length >= n ? resolve() : waiters.push(check));
    check();
  });

beforeEach(async () => {
  agent = new MockAgent();
  agent.disableNetConnect();
  sent = [];
  waiters = [];
  dir = mkdtempSync(join(tmpdir(), "xmpp-rest-dispatcher-"));
  store = await openStore(join(dir, "store.db"));
});

afterEach(async () => {
  await agent.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("createDispatcher", () => {
  it("posts the stanza with content type, accept and token, and sends the reply", async () => {
    let seen: { headers: Record<string, string>; body: string } | undefined;
    agent
      .get("http://bot.test")
      .intercept({ path: "/hook/iq", method: "POST" })
      .reply(
        200,
        (opts) => {
          seen = { headers: opts.headers as Record<string, string>, body: String(opts.body) };
          return '<iq><pong xmlns="urn:x"/></iq>';
        },
        { headers: { "content-type": "application/xmpp+xml" } },
      );
    const dispatcher = createDispatcher({ config, link, log: silentLogger, agent, store });
    handle(
      dispatcher,
      stanza(
        '<iq type="get" id="1" from="a@example/r" to="rest.example"><ping xmlns="urn:xmpp:ping"/></iq>',
      ),
    );
    await sentCount(1);
    expect(seen?.headers["content-type"]).toBe("application/xmpp+xml");
    expect(seen?.headers.authorization).toBe("Bearer t0k");
    expect(seen?.headers.accept).toContain("application/xmpp+xml");
    expect(seen?.body.startsWith("<iq ")).toBe(true);
    expect(sent[0]?.attrs).toMatchObject({ type: "result", id: "1", to: "a@example/r" });
    await dispatcher.stop();
    agent.assertNoPendingInterceptors();
  });

  it("survives a link that cannot send", async () => {
    agent.get("http://bot.test").intercept({ path: "/hook/iq", method: "POST" }).reply(204, "");
    let failed = false;
    const broken = {
      send: async () => {
        failed = true;
        throw new Error("link down");
      },
    };
    const dispatcher = createDispatcher({ config, link: broken, log: silentLogger, agent, store });
    handle(
      dispatcher,
      stanza(
        '<iq type="get" id="1" from="a@example/r" to="rest.example"><ping xmlns="urn:xmpp:ping"/></iq>',
      ),
    );
    await dispatcher.stop();
    expect(failed).toBe(true);
  });

  it("refuses iqs once stopped", async () => {
    const dispatcher = createDispatcher({ config, link, log: silentLogger, agent, store });
    await dispatcher.stop();
    handle(
      dispatcher,
      stanza('<iq type="set" id="2" from="a@example/r" to="rest.example"><x xmlns="urn:x"/></iq>'),
    );
    await sentCount(1);
    expect(sent[0]?.getChild("error")?.getChild("service-unavailable")).toBeDefined();
  });

  it("retries a 503 with the same webhook-id and a rising attempt number, then delivers", async () => {
    const seen: Record<string, string>[] = [];
    const pool = agent.get("http://bot.test");
    const record = (status: number) => (opts: { headers?: unknown }) => {
      seen.push(opts.headers as Record<string, string>);
      return { statusCode: status, data: "" };
    };
    pool.intercept({ path: "/hook/message", method: "POST" }).reply(record(503));
    pool.intercept({ path: "/hook/message", method: "POST" }).reply(record(500));
    pool.intercept({ path: "/hook/message", method: "POST" }).reply(record(204));
    const dispatcher = createDispatcher({ config, link, log: silentLogger, agent, store });
    await dispatcher.start();
    handle(
      dispatcher,
      stanza(
        '<message id="m1" from="a@example/r" to="bot@rest.example"><body>hi</body><request xmlns="urn:xmpp:receipts"/></message>',
      ),
    );
    await sentCount(1);
    expect(seen.map((h) => h["webhook-attempt"])).toEqual(["1", "2", "3"]);
    expect(new Set(seen.map((h) => h["webhook-id"])).size).toBe(1);
    // XEP-0184: the receipt only once the webhook took it.
    expect(sent[0]?.getChild("received", "urn:xmpp:receipts")?.attrs.id).toBe("m1");
    await dispatcher.stop();
    expect(await store.listDeliveries({ state: "pending", limit: 10 })).toEqual([]);
    agent.assertNoPendingInterceptors();
  });

  it("does not retry a 404: the sender gets the error and the delivery is a dead letter", async () => {
    agent
      .get("http://bot.test")
      .intercept({ path: "/hook/message", method: "POST" })
      .reply(404, "");
    const dispatcher = createDispatcher({ config, link, log: silentLogger, agent, store });
    await dispatcher.start();
    handle(
      dispatcher,
      stanza('<message id="m2" from="a@example/r" to="bot@rest.example"><body>x</body></message>'),
    );
    await sentCount(1);
    expect(sent[0]?.attrs.type).toBe("error");
    await dispatcher.stop();
    const failed = await store.listDeliveries({ state: "failed", limit: 10 });
    expect(failed.map((d) => [d.attempts, d.lastError])).toEqual([[1, "HTTP 404"]]);
    agent.assertNoPendingInterceptors();
  });

  it("stops retrying when the webhook answers with webhook-no-retry", async () => {
    agent
      .get("http://bot.test")
      .intercept({ path: "/hook/message", method: "POST" })
      .reply(503, "", { headers: { "webhook-no-retry": "1" } });
    const dispatcher = createDispatcher({ config, link, log: silentLogger, agent, store });
    await dispatcher.start();
    handle(
      dispatcher,
      stanza('<message id="m3" from="a@example/r" to="bot@rest.example"><body>x</body></message>'),
    );
    await sentCount(1);
    expect(sent[0]?.attrs.type).toBe("error");
    await dispatcher.stop();
    expect(await store.listDeliveries({ state: "failed", limit: 10 })).toHaveLength(1);
    agent.assertNoPendingInterceptors();
  });

  it("refuses messages with wait/resource-constraint when the backlog is full", async () => {
    const small = { ...config, callbackQueueSize: 0 };
    const dispatcher = createDispatcher({ config: small, link, log: silentLogger, agent, store });
    await dispatcher.start();
    handle(
      dispatcher,
      stanza('<message id="m4" from="a@example/r" to="bot@rest.example"><body>x</body></message>'),
    );
    await sentCount(1);
    const error = sent[0]?.getChild("error");
    expect(error?.attrs.type).toBe("wait");
    expect(error?.getChild("resource-constraint")).toBeDefined();
    await dispatcher.stop();
  });
});
