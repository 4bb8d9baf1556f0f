import xml, { type Element } from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseXmlElement } from "../../src/formats/xml.js";
import { verify } from "../../src/webhook/signature.js";
import { startTestBridge, type TestBridge } from "../helpers/bridge.js";
import { startXmppServer, type XmppServer } from "../helpers/server.js";
import {
  type Answer,
  type ReceivedRequest,
  startWebhookServer,
  type WebhookServer,
} from "../helpers/webhook-server.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

const SECRET = "whsec_c2VjcmV0LWtleS1mb3ItdGVzdHM=";
const TOKEN = "bot-token";
const DOMAIN = "rest.localhost";
const USERS = ["alice", "u1", "u2", "u3", "u4", "u5"];

let server: XmppServer;
let hook: WebhookServer;
let bridge: TestBridge;
let alice: XmppUser;
let sequence = 0;
/** Answers by the local part of the inbound `to`, so each test owns its own bot address. */
const bots = new Map<string, (req: ReceivedRequest, stanza: Element) => Answer | Promise<Answer>>();

function stanzaOf(req: ReceivedRequest): Element {
  return parseXmlElement(req.body).root;
}

function local(jid: string | undefined): string {
  return (jid ?? "").split("@")[0] ?? "";
}

const xmlAnswer = (body: string, status = 200): Answer => ({
  status,
  headers: { "content-type": "application/xmpp+xml" },
  body,
});

beforeAll(async () => {
  server = await startXmppServer({
    users: USERS.map((username) => ({ username, password: `${username}-pw` })),
  });
  hook = await startWebhookServer((req) => {
    if (req.method !== "POST") return { status: 200, headers: { accept: "application/xmpp+xml" } };
    const stanza = stanzaOf(req);
    const bot = bots.get(local(stanza.attrs.to));
    return bot ? bot(req, stanza) : { status: 204 };
  });
  bridge = await startTestBridge(server, {
    XMPP_REST_CALLBACK_URL: `${hook.url}/hook/{kind}/{type}/{to}?from={from}`,
    XMPP_REST_CALLBACK_SECRET: SECRET,
    XMPP_REST_CALLBACK_TOKEN: TOKEN,
    XMPP_REST_CALLBACK_TIMEOUT: "1",
  });
  alice = await connectUser({ c2sPort: server.c2sPort, username: "alice", password: "alice-pw" });
});

afterAll(async () => {
  await alice?.stop();
  await bridge?.stop();
  await hook?.close();
  await server?.stop();
});

function nextId(prefix: string): string {
  sequence += 1;
  return `${prefix}-${sequence}`;
}

/** Sends an iq get from alice to a bot and returns the reply alice receives. */
async function iqTo(bot: string): Promise<Element> {
  const id = nextId("iq");
  await alice.send(
    xml(
      "iq",
      { type: "get", to: `${bot}@${DOMAIN}`, id },
      xml("query", { xmlns: "urn:example:bot" }),
    ),
  );
  return alice.waitFor((s) => s.name === "iq" && s.attrs.id === id, 10_000, `reply to ${id}`);
}

function errorOf(stanza: Element): { type?: string; condition?: string; text?: string | null } {
  const error = stanza.getChild("error");
  const condition = error
    ?.getChildElements()
    .find((c) => c.attrs.xmlns === "urn:ietf:params:xml:ns:xmpp-stanzas" && c.name !== "text");
  return {
    type: error?.attrs.type,
    condition: condition?.name,
    text: error?.getChildText("text", "urn:ietf:params:xml:ns:xmpp-stanzas"),
  };
}

describe("webhook delivery", () => {
  it("posts a chat message with the right body and headers and sends the XML reply back", async () => {
    bots.set("echo", (_req, stanza) =>
      xmlAnswer(
        `<message><body>echo: ${xml.escapeXMLText(stanza.getChildText("body") ?? "")}</body></message>`,
      ),
    );
    await alice.send(
      xml(
        "message",
        { to: `echo@${DOMAIN}/r1`, type: "chat", id: "hello-1", "xml:lang": "de" },
        xml("body", {}, "Hallo <Bot> & co"),
      ),
    );
    const req = await hook.waitFor((r) => r.body.includes('id="hello-1"'));
    expect(req.method).toBe("POST");
    expect(req.url).toBe(
      `/hook/message/chat/echo%40${DOMAIN}%2Fr1?from=${encodeURIComponent(alice.jid)}`,
    );
    expect(req.headers["content-type"]).toBe("application/xmpp+xml");
    expect(req.headers["content-language"]).toBe("de");
    expect(req.headers.accept).toContain("application/xmpp+xml");
    expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req.headers["webhook-id"]).toMatch(/^msg_/);
    // The payload format: no xmlns on the root, so a plain XML parser sees <message>.
    expect(req.body.startsWith("<message ")).toBe(true);
    const { root, namespace } = parseXmlElement(req.body);
    expect(namespace).toBe("");
    expect(root.attrs.from).toBe(alice.jid);
    expect(root.attrs.to).toBe(`echo@${DOMAIN}/r1`);
    expect(root.getChildText("body")).toBe("Hallo <Bot> & co");

    const reply = await alice.waitFor((s) => s.getChildText("body") === "echo: Hallo <Bot> & co");
    expect(reply.attrs.from).toBe(`echo@${DOMAIN}/r1`);
    expect(reply.attrs.to).toBe(alice.jid);
    // A reply without a type continues the conversation: chat, not normal.
    expect(reply.attrs.type).toBe("chat");
  });

  it("replies from the normalised address when the user writes the bot's address in capitals", async () => {
    bots.set("shout", () => xmlAnswer("<message><body>heard you</body></message>"));
    await alice.send(
      xml(
        "message",
        { to: "SHOUT@REST.LOCALHOST/Desk", type: "chat", id: "caps-1" },
        xml("body", {}, "HI"),
      ),
    );
    const reply = await alice.waitFor((s) => s.getChildText("body") === "heard you");
    // The server compares a component's from domain byte for byte: a reply from
    // "REST.LOCALHOST" would have closed the component's stream.
    expect(reply.attrs.from).toBe(`shout@${DOMAIN}/Desk`);
    expect(bridge.bridge.link.state).toBe("online");
  });

  it("signs each request so the receiver's check passes, and fails for a tampered body", async () => {
    await alice.send(xml("message", { to: `signed@${DOMAIN}`, id: "sig-1" }, xml("body", {}, "x")));
    const req = await hook.waitFor((r) => r.body.includes('id="sig-1"'));
    const headers = {
      id: String(req.headers["webhook-id"]),
      timestamp: String(req.headers["webhook-timestamp"]),
      signature: String(req.headers["webhook-signature"]),
    };
    expect(headers.signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(Math.abs(Number(headers.timestamp) - Date.now() / 1000)).toBeLessThan(60);
    expect(verify(SECRET, headers, req.body)).toBe(true);
    expect(verify(SECRET, headers, req.body.replace(">x<", ">y<"))).toBe(false);
    expect(verify("whsec_b3RoZXI=", headers, req.body)).toBe(false);
    expect(verify(SECRET, headers, req.body, Date.now() + 10 * 60_000)).toBe(false);
  });

  it("sends one OPTIONS probe at start-up", async () => {
    const probe = await hook.waitFor((r) => r.method === "OPTIONS");
    expect(probe.url).toBe("/hook///?from=");
    expect(probe.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });
});

describe("reply rules", () => {
  it("answers an iq with the webhook's result, keeping the id and forcing type=result", async () => {
    bots.set("version", () =>
      xmlAnswer(
        '<iq type="set" id="other"><query xmlns="jabber:iq:version"><name>bot</name></query></iq>',
      ),
    );
    const reply = await iqTo("version");
    expect(reply.attrs.type).toBe("result");
    expect(reply.attrs.from).toBe(`version@${DOMAIN}`);
    expect(reply.getChild("query", "jabber:iq:version")?.getChildText("name")).toBe("bot");
  });

  it("answers an iq with an empty result on 204", async () => {
    bots.set("empty", () => ({ status: 204 }));
    const reply = await iqTo("empty");
    expect(reply.attrs.type).toBe("result");
    expect(reply.getChildElements()).toHaveLength(0);
  });

  it("answers an iq with an empty result on a 2xx without a usable body", async () => {
    bots.set("html", () => ({
      status: 200,
      headers: { "content-type": "text/html" },
      body: "<p>ok</p>",
    }));
    const reply = await iqTo("html");
    expect(reply.attrs.type).toBe("result");
  });

  it("acknowledges a receipt request on 202 (XEP-0184)", async () => {
    bots.set("receipts", () => ({ status: 202 }));
    await alice.send(
      xml(
        "message",
        { to: `receipts@${DOMAIN}`, type: "chat", id: "rcpt-1" },
        xml("body", {}, "please confirm"),
        xml("request", { xmlns: "urn:xmpp:receipts" }),
      ),
    );
    const receipt = await alice.waitFor(
      (s) => s.getChild("received", "urn:xmpp:receipts") !== undefined,
    );
    expect(receipt.getChild("received", "urn:xmpp:receipts")?.attrs.id).toBe("rcpt-1");
    expect(receipt.attrs.from).toBe(`receipts@${DOMAIN}`);
  });

  // Nothing arriving is proven by a later stanza in the same conversation: it is answered
  // only after the earlier answer was handled, and the server delivers in order.
  it("sends nothing for a 204 to a message without a receipt request", async () => {
    bots.set("quiet", (_req, stanza) =>
      stanza.getChildText("body") === "sentinel"
        ? xmlAnswer("<message><body>quiet-sentinel</body></message>")
        : { status: 204 },
    );
    const before = alice.received.length;
    await alice.send(
      xml("message", { to: `quiet@${DOMAIN}`, type: "chat" }, xml("body", {}, "hi")),
    );
    await alice.send(
      xml("message", { to: `quiet@${DOMAIN}`, type: "chat" }, xml("body", {}, "sentinel")),
    );
    await alice.waitFor((s) => s.getChildText("body") === "quiet-sentinel");
    const fromQuiet = alice.received
      .slice(before)
      .filter((s) => s.attrs.from === `quiet@${DOMAIN}`);
    expect(fromQuiet).toHaveLength(1);
  });

  it("turns a text/plain answer into the body of a reply message", async () => {
    bots.set("plain", () => ({
      status: 200,
      headers: { "content-type": "text/plain" },
      body: "plain hi",
    }));
    await alice.send(xml("message", { to: `plain@${DOMAIN}`, type: "chat" }, xml("body", {}, "?")));
    const reply = await alice.waitFor((s) => s.getChildText("body") === "plain hi");
    expect(reply.attrs.type).toBe("chat");
  });

  it("never replies to a stanza of type error", async () => {
    bots.set("errors", (_req, stanza) =>
      stanza.attrs.type === "error"
        ? xmlAnswer("<message><body>should not be sent</body></message>")
        : xmlAnswer("<message><body>after-error</body></message>"),
    );
    const before = alice.received.length;
    await alice.send(
      xml(
        "message",
        { to: `errors@${DOMAIN}`, type: "error", id: "err-in" },
        xml(
          "error",
          { type: "cancel" },
          xml("gone", { xmlns: "urn:ietf:params:xml:ns:xmpp-stanzas" }),
        ),
      ),
    );
    await alice.send(
      xml("message", { to: `errors@${DOMAIN}`, type: "chat" }, xml("body", {}, "next")),
    );
    await alice.waitFor((s) => s.getChildText("body") === "after-error");
    await hook.waitFor((r) => r.body.includes('id="err-in"'));
    const wrong = alice.received
      .slice(before)
      .filter((s) => s.getChildText("body") === "should not be sent");
    expect(wrong).toHaveLength(0);
  });

  const statuses: [number, string, string][] = [
    [400, "modify", "bad-request"],
    [401, "auth", "not-authorized"],
    [403, "auth", "forbidden"],
    [404, "cancel", "item-not-found"],
    [418, "modify", "bad-request"],
    [429, "wait", "resource-constraint"],
    [500, "wait", "internal-server-error"],
    [503, "cancel", "service-unavailable"],
    [504, "wait", "remote-server-timeout"],
    [599, "cancel", "internal-server-error"],
    [302, "cancel", "undefined-condition"],
  ];
  it.each(statuses)(
    "maps HTTP %i to a %s/%s error with the body as text",
    async (status, type, condition) => {
      bots.set(`s${status}`, () => ({
        status,
        headers: { "content-type": "text/plain" },
        body: `bot says ${status}`,
      }));
      const reply = await iqTo(`s${status}`);
      expect(reply.attrs.type).toBe("error");
      expect(errorOf(reply)).toEqual({ type, condition, text: `bot says ${status}` });
    },
  );

  it("maps a message's 4xx to a message error to the sender", async () => {
    bots.set("nope", () => ({ status: 403, body: "go away" }));
    await alice.send(
      xml("message", { to: `nope@${DOMAIN}`, type: "chat", id: "m403" }, xml("body", {}, "hi")),
    );
    const reply = await alice.waitFor(
      (s) => s.name === "message" && s.attrs.id === "m403" && s.attrs.type === "error",
    );
    expect(errorOf(reply)).toEqual({ type: "auth", condition: "forbidden", text: "go away" });
  });

  it("answers wait/remote-server-timeout when the webhook does not answer in time", async () => {
    bots.set("slow", () => new Promise<Answer>(() => {}));
    const reply = await iqTo("slow");
    expect(errorOf(reply)).toMatchObject({ type: "wait", condition: "remote-server-timeout" });
  });

  it("strips characters XML forbids from error text instead of breaking the stream", async () => {
    bots.set("ctrl", () => ({ status: 400, body: "bad\u0001\u0000 input" }));
    const reply = await iqTo("ctrl");
    expect(errorOf(reply).text).toBe("bad input");
    expect(bridge.bridge.link.state).toBe("online");
  });

  const unusable: [string, string][] = [
    ["malformed XML", "<message><body>unclosed</message>"],
    ["the wrong kind", "<presence/>"],
    ["a from outside our domain", '<iq type="result" from="admin@localhost"/>'],
    ["a foreign root namespace", '<iq xmlns="jabber:server" type="result"/>'],
    ["a forbidden doctype", '<!DOCTYPE iq><iq type="result"/>'],
  ];
  it.each(unusable)(
    "answers an error for a webhook body with %s and stays connected",
    async (what, body) => {
      const bot = `bad${unusable.findIndex(([w]) => w === what)}`;
      bots.set(bot, () => xmlAnswer(body));
      const reply = await iqTo(bot);
      expect(reply.attrs.type).toBe("error");
      expect(errorOf(reply)).toMatchObject({ type: "cancel", condition: "internal-server-error" });
      expect(bridge.bridge.link.state).toBe("online");
      // The stream still works: a good answer still gets through.
      bots.set("fine", () => ({ status: 204 }));
      expect((await iqTo("fine")).attrs.type).toBe("result");
    },
  );

  it("answers an error for a webhook body larger than the stanza size limit", async () => {
    bots.set("huge", () =>
      xmlAnswer(`<iq type="result"><q xmlns="urn:x">${"x".repeat(300_000)}</q></iq>`),
    );
    const reply = await iqTo("huge");
    expect(errorOf(reply)).toMatchObject({ condition: "internal-server-error" });
    expect(bridge.bridge.link.state).toBe("online");
  });
});

describe("ordering and concurrency", () => {
  it("delivers 200 messages from one user in the order they were sent", async () => {
    const count = 200;
    for (let i = 0; i < count; i++) {
      await alice.send(
        xml("message", { to: `order@${DOMAIN}`, type: "chat" }, xml("body", {}, `n${i}`)),
      );
    }
    await hook.waitFor((r) => r.body.includes(">n199<"), 30_000, "the last message");
    const seen = hook.requests
      .filter((r) => r.url.startsWith(`/hook/message/chat/order%40`))
      .map((r) => stanzaOf(r).getChildText("body"));
    expect(seen).toEqual(Array.from({ length: count }, (_, i) => `n${i}`));
  });

  it("processes messages from 5 users concurrently", async () => {
    const users = await Promise.all(
      ["u1", "u2", "u3", "u4", "u5"].map((u) =>
        connectUser({ c2sPort: server.c2sPort, username: u, password: `${u}-pw` }),
      ),
    );
    try {
      let inFlight = 0;
      let maxInFlight = 0;
      const release: (() => void)[] = [];
      // A barrier, not a sleep: every call is held until all five are in flight at once.
      bots.set("busy", () => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        return new Promise<Answer>((resolve) => {
          release.push(() => {
            inFlight -= 1;
            resolve(xmlAnswer("<message><body>done</body></message>"));
          });
          if (release.length === 5) for (const r of release) r();
        });
      });
      await Promise.all(
        users.map((u) =>
          u.send(xml("message", { to: `busy@${DOMAIN}`, type: "chat" }, xml("body", {}, "go"))),
        ),
      );
      await Promise.all(users.map((u) => u.waitFor((s) => s.getChildText("body") === "done")));
      expect(maxInFlight).toBe(5);
    } finally {
      await Promise.all(users.map((u) => u.stop()));
    }
  });

  it("measures the delivery rate from one user to a 204 webhook", async () => {
    const count = 1000;
    bots.set("rate", () => ({ status: 204 }));
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      void alice.send(
        xml("message", { to: `rate@${DOMAIN}`, type: "chat" }, xml("body", {}, `r${i}`)),
      );
    }
    await hook.waitFor((r) => r.body.includes(`>r${count - 1}<`), 60_000, "the last message");
    const seconds = (performance.now() - started) / 1000;
    const rate = Math.round(count / seconds);
    console.log(
      `webhook delivery rate, one user -> 204 webhook: ${rate} messages/s (${count} in ${seconds.toFixed(2)} s)`,
    );
    expect(rate).toBeGreaterThan(0);
  });
});
