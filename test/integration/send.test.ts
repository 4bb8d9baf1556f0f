import type { Element } from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseXmlElement } from "../../src/formats/xml.js";
import { startTestBridge, type TestBridge } from "../helpers/bridge.js";
import { startXmppServer, type XmppServer } from "../helpers/server.js";
import { connectSilentComponent } from "../helpers/silent-component.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

let server: XmppServer;
let bridge: TestBridge;
let alice: XmppUser;
let sequence = 0;

beforeAll(async () => {
  server = await startXmppServer({ users: [{ username: "alice", password: "alice-pw" }] });
  bridge = await startTestBridge(server);
  alice = await connectUser({ c2sPort: server.c2sPort, username: "alice", password: "alice-pw" });
});

afterAll(async () => {
  await alice?.stop();
  await bridge?.stop();
  await server?.stop();
});

/** Sends a fresh chat message through the API and waits for alice to receive it. */
async function expectDelivery(): Promise<Element> {
  const body = `still connected ${++sequence}`;
  const res = await bridge.post(
    `<message to="alice@localhost" type="chat"><body>${body}</body></message>`,
  );
  expect(res.status).toBe(202);
  return alice.waitFor((s) => s.getChildText("body") === body, 10_000, `message "${body}"`);
}

function parse(text: string): Element {
  return parseXmlElement(text).root;
}

describe("POST /rest with application/xmpp+xml", () => {
  it("delivers a message to the user with the right from, to and body", async () => {
    const res = await bridge.post(
      '<message to="alice@localhost" from="bot@rest.localhost/api" type="chat" id="m1"><body>Hello Alice</body></message>',
    );
    expect(res.status).toBe(202);
    expect(await res.text()).toBe("");
    const got = await alice.waitFor((s) => s.attrs.id === "m1");
    expect(got.attrs.from).toBe("bot@rest.localhost/api");
    expect(got.attrs.to).toBe("alice@localhost");
    expect(got.attrs.type).toBe("chat");
    expect(got.getChildText("body")).toBe("Hello Alice");
  });

  it("defaults from to the component's domain and generates an id", async () => {
    const res = await bridge.post('<message to="alice@localhost"><body>no from</body></message>');
    expect(res.status).toBe(202);
    const got = await alice.waitFor((s) => s.getChildText("body") === "no from");
    expect(got.attrs.from).toBe("rest.localhost");
    expect(got.attrs.id).toMatch(/.+/);
  });

  it("normalises the to address (RFC 7622 case folding)", async () => {
    const res = await bridge.post(
      '<message to="ALICE@LocalHost/test"><body>folded</body></message>',
    );
    expect(res.status).toBe(202);
    const got = await alice.waitFor((s) => s.getChildText("body") === "folded");
    expect(got.attrs.to).toBe("alice@localhost/test");
  });

  it("keeps child namespaces and resolves prefixes declared on the root", async () => {
    const res = await bridge.post(
      '<message xmlns:cs="http://jabber.org/protocol/chatstates" to="alice@localhost" type="chat"><body>ns</body><cs:active/></message>',
    );
    expect(res.status).toBe(202);
    const got = await alice.waitFor((s) => s.getChildText("body") === "ns");
    expect(got.getChild("active", "http://jabber.org/protocol/chatstates")).toBeDefined();
  });

  it("delivers presence with 202", async () => {
    const res = await bridge.post(
      '<presence to="alice@localhost" from="bot@rest.localhost"><status>here</status></presence>',
    );
    expect(res.status).toBe(202);
    const got = await alice.waitFor(
      (s) => s.name === "presence" && s.getChildText("status") === "here",
    );
    expect(got.attrs.from).toBe("bot@rest.localhost");
  });

  it("answers an iq ping to the server with its result", async () => {
    const res = await bridge.post(
      '<iq type="get" to="localhost" id="ping-1"><ping xmlns="urn:xmpp:ping"/></iq>',
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/xmpp+xml");
    const reply = parse(await res.text());
    expect(reply.name).toBe("iq");
    expect(reply.attrs.type).toBe("result");
    expect(reply.attrs.id).toBe("ping-1");
    expect(reply.attrs.from).toBe("localhost");
  });

  it("returns a real server answer for a version query", async () => {
    const res = await bridge.post(
      '<iq type="get" to="localhost"><query xmlns="jabber:iq:version"/></iq>',
    );
    expect(res.status).toBe(200);
    const reply = parse(await res.text());
    const version = reply.getChild("query", "jabber:iq:version");
    // Server-specific: each server names itself (Prosody 0.12.x, ejabberd 23.01-1).
    expect(version?.getChildText("name")).toBe(server.software.name);
    expect(version?.getChildText("version")).toMatch(server.software.version);
  });

  it("returns the error an iq is answered with, with a matching status", async () => {
    const res = await bridge.post(
      '<iq type="get" to="localhost"><query xmlns="urn:example:nothing"/></iq>',
    );
    expect(res.status).toBe(503);
    const reply = parse(await res.text());
    expect(reply.attrs.type).toBe("error");
    expect(reply.getChild("error")?.getChild("service-unavailable")).toBeDefined();
  });

  it("answers 504 remote-server-timeout when nobody answers within Prosody-Rest-Timeout", async () => {
    const silent = await connectSilentComponent(server);
    try {
      const started = Date.now();
      const res = await bridge.post(
        '<iq type="get" to="nobody@silent.localhost" id="never"><ping xmlns="urn:xmpp:ping"/></iq>',
        { "prosody-rest-timeout": "0.5", accept: "application/json" },
      );
      expect(res.status).toBe(504);
      expect(Date.now() - started).toBeGreaterThanOrEqual(450);
      expect(await res.json()).toMatchObject({
        code: 504,
        error: { type: "wait", condition: "remote-server-timeout" },
      });
      expect(silent.seen.some((s) => s.attrs.id === "never")).toBe(true);
    } finally {
      await silent.stop();
    }
  });

  it("gives 200 concurrent iqs each their own answer", async () => {
    const started = performance.now();
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        bridge
          .post(`<iq type="get" to="localhost" id="c-${i}"><ping xmlns="urn:xmpp:ping"/></iq>`)
          .then(async (res) => ({ status: res.status, reply: parse(await res.text()) })),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    console.log(`200 concurrent iq pings: ${Math.round(200 / seconds)} iq/s`);
    responses.forEach(({ status, reply }, i) => {
      expect(status).toBe(200);
      expect(reply.attrs.id).toBe(`c-${i}`);
      expect(reply.attrs.type).toBe("result");
    });
  });

  it("answers 409 conflict for an id that is already waiting", async () => {
    const silent = await connectSilentComponent(server);
    try {
      const iq =
        '<iq type="get" to="x@silent.localhost" id="dup"><ping xmlns="urn:xmpp:ping"/></iq>';
      const first = bridge.post(iq, { "prosody-rest-timeout": "1" });
      await silent.waitFor((s) => s.attrs.id === "dup");
      const second = await bridge.post(iq);
      expect(second.status).toBe(409);
      expect((await first).status).toBe(504);
    } finally {
      await silent.stop();
    }
  });
});

describe("bad input gets a clear error and leaves the component connected", () => {
  const huge = `<message to="alice@localhost"><body>${"x".repeat(200_000)}</body></message>`;
  const cases: [string, string, Record<string, string>, number, string][] = [
    [
      "not well-formed",
      "<message to='alice@localhost'><body></message>",
      {},
      400,
      "not-well-formed",
    ],
    [
      "an XML declaration",
      '<?xml version="1.0"?><message to="alice@localhost"/>',
      {},
      400,
      "not-well-formed",
    ],
    [
      "a DOCTYPE with an entity",
      '<!DOCTYPE m [<!ENTITY e "x">]><message to="alice@localhost">&e;</message>',
      {},
      400,
      "not-well-formed",
    ],
    [
      "two roots",
      '<message to="alice@localhost"/><message to="alice@localhost"/>',
      {},
      400,
      "not-well-formed",
    ],
    ["an empty body", "", {}, 400, "not-well-formed"],
    [
      "elements nested 20000 deep",
      `<message to="alice@localhost">${"<a>".repeat(20_000)}${"</a>".repeat(20_000)}</message>`,
      {},
      400,
      "bad-request",
    ],
    [
      "a foreign namespace",
      '<message xmlns="jabber:server" to="alice@localhost"/>',
      {},
      422,
      "invalid-namespace",
    ],
    ["a non-stanza root", '<handshake to="alice@localhost"/>', {}, 422, "unsupported-stanza-type"],
    [
      "a stream error",
      '<error xmlns="http://etherx.jabber.org/streams"/>',
      {},
      422,
      "invalid-namespace",
    ],
    ["a missing to", "<message><body>x</body></message>", {}, 422, "improper-addressing"],
    [
      "an invalid to",
      '<message to="a@b@c"><body>x</body></message>',
      {},
      422,
      "improper-addressing",
    ],
    [
      "an invalid from",
      '<message to="alice@localhost" from="@rest.localhost"/>',
      {},
      422,
      "invalid-from",
    ],
    [
      "a foreign from",
      '<message to="alice@localhost" from="admin@localhost"><body>forged</body></message>',
      {},
      403,
      "forbidden",
    ],
    [
      "a from at a subdomain",
      '<message to="alice@localhost" from="x.rest.localhost"/>',
      {},
      403,
      "forbidden",
    ],
    [
      "an iq of type result",
      '<iq type="result" to="localhost"><ping xmlns="urn:xmpp:ping"/></iq>',
      {},
      422,
      "invalid-xml",
    ],
    ["an iq without a child", '<iq type="get" to="localhost"/>', {}, 422, "bad-format"],
    [
      "an iq with two children",
      '<iq type="get" to="localhost"><a xmlns="urn:a"/><b xmlns="urn:b"/></iq>',
      {},
      422,
      "bad-format",
    ],
    ["an unsupported media type", "hello", { "content-type": "image/png" }, 415, "bad-format"],
    ["a body over the size limit", huge, {}, 413, "resource-constraint"],
    [
      "no credentials",
      '<message to="alice@localhost"/>',
      { authorization: "" },
      401,
      "not-authorized",
    ],
    [
      "a wrong token",
      '<message to="alice@localhost"/>',
      { authorization: "Bearer nope" },
      403,
      "forbidden",
    ],
    [
      "a bad timeout header",
      '<iq type="get" to="localhost"><ping xmlns="urn:xmpp:ping"/></iq>',
      { "prosody-rest-timeout": "soon" },
      400,
      "bad-request",
    ],
  ];

  it.each(cases)("rejects %s", async (_what, body, headers, status, condition) => {
    const res = await bridge.post(body, { accept: "application/json", ...headers });
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ type: "error", code: status, error: { condition } });
    await expectDelivery();
  });

  it("sends WWW-Authenticate with a 401", async () => {
    const res = await bridge.post('<message to="alice@localhost"/>', { authorization: "" });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm="/);
  });

  it("accepts the second configured token", async () => {
    const res = await bridge.post(
      '<message to="alice@localhost"><body>second token</body></message>',
      {
        authorization: "Bearer second-token",
      },
    );
    expect(res.status).toBe(202);
  });

  it("enforces the size limit on a chunked body without buffering it whole", async () => {
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        // An endless body: the bridge must cut it off at the limit.
        sent += 65_536;
        if (sent > 50_000_000) controller.close();
        else controller.enqueue(new TextEncoder().encode("x".repeat(65_536)));
      },
    });
    const res = await fetch(`${bridge.url}/rest`, {
      method: "POST",
      body: stream,
      duplex: "half",
      headers: { authorization: "Bearer test-token", "content-type": "application/xmpp+xml" },
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(sent).toBeLessThan(50_000_000);
    await expectDelivery();
  });

  it("renders errors as XML stream errors and as plain text by Accept", async () => {
    const asXml = await bridge.post("<message", { accept: "application/xmpp+xml" });
    expect(asXml.status).toBe(400);
    const el = parse(await asXml.text());
    expect(el.name).toBe("error");
    expect(el.getChild("not-well-formed", "urn:ietf:params:xml:ns:xmpp-streams")).toBeDefined();
    const asText = await bridge.post("<message", { accept: "text/plain" });
    expect(asText.headers.get("content-type")).toContain("text/plain");
    expect(await asText.text()).toMatch(/^not-well-formed/);
  });
});

describe("GET /health", () => {
  it("reports the link online without credentials", async () => {
    const res = await fetch(`${bridge.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ xmpp: "online" });
  });
});
