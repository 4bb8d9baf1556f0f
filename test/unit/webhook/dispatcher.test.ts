import type { Element } from "@xmpp/xml";
import { MockAgent } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseXmlElement } from "../../../src/formats/xml.js";
import { silentLogger } from "../../../src/log.js";
import { createDispatcher, type WebhookConfig } from "../../../src/webhook/dispatcher.js";

const config: WebhookConfig = {
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
};

const stanza = (text: string) => parseXmlElement(text).root;

let agent: MockAgent;
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

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  sent = [];
  waiters = [];
});

afterEach(async () => {
  await agent.close();
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
    const dispatcher = createDispatcher({ config, link, log: silentLogger, agent });
    dispatcher.handle(
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
    const dispatcher = createDispatcher({ config, link: broken, log: silentLogger, agent });
    dispatcher.handle(
      stanza(
        '<iq type="get" id="1" from="a@example/r" to="rest.example"><ping xmlns="urn:xmpp:ping"/></iq>',
      ),
    );
    await dispatcher.stop();
    expect(failed).toBe(true);
  });

  it("refuses iqs once stopped", async () => {
    const dispatcher = createDispatcher({ config, link, log: silentLogger, agent });
    await dispatcher.stop();
    dispatcher.handle(
      stanza('<iq type="set" id="2" from="a@example/r" to="rest.example"><x xmlns="urn:x"/></iq>'),
    );
    await sentCount(1);
    expect(sent[0]?.getChild("error")?.getChild("service-unavailable")).toBeDefined();
  });
});
