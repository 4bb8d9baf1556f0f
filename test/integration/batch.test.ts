/**
 * Batch send against a real server: several stanzas in one POST /rest, each validated and
 * sent as if it came alone, answered with one result per stanza in order.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseXmlElement } from "../../src/formats/xml.js";
import { startTestBridge, type TestBridge } from "../helpers/bridge.js";
import { startXmppServer, type XmppServer } from "../helpers/server.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

let server: XmppServer;
let bridge: TestBridge;
let alice: XmppUser;

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

interface JsonResult {
  status: number;
  id?: string;
  reply?: Record<string, unknown>;
  error?: { type: string; condition: string; text?: string };
}

describe("a JSON batch", () => {
  it("delivers every good stanza in order and answers each one, bad ones included", async () => {
    const bodies = Array.from({ length: 50 }, (_, i) => `json batch ${i}`);
    const got: string[] = [];
    const all = alice.waitFor(
      (s) => {
        const body = s.getChildText("body") ?? "";
        if (body.startsWith("json batch ")) got.push(body);
        return got.length === bodies.length;
      },
      10_000,
      "the batch's 50 messages",
    );
    const xmpp: unknown[] = bodies.map((body) => ({ to: "alice@localhost", type: "chat", body }));
    xmpp.splice(10, 0, { to: "alice@localhost", from: "x@evil.example", body: "forged" });
    xmpp.splice(20, 0, { body: "nobody to send to" });
    xmpp.splice(30, 0, { kind: "iq", type: "get", to: "localhost", id: "b-ping", ping: true });
    const res = await bridge.post(JSON.stringify({ xmpp }), {
      "content-type": "application/json",
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const { results } = (await res.json()) as { results: JsonResult[] };
    expect(results).toHaveLength(53);
    expect(results[10]).toMatchObject({ status: 403, error: { condition: "forbidden" } });
    expect(results[20]).toMatchObject({ status: 422, error: { condition: "improper-addressing" } });
    // The same answer the stanza would get alone: no position in the text, the index is it.
    expect(results[20]?.error?.text).toMatch(/'to' address is required/);
    expect(results[30]).toMatchObject({
      status: 200,
      id: "b-ping",
      reply: { kind: "iq", type: "result", id: "b-ping" },
    });
    const messages = results.filter((_, i) => ![10, 20, 30].includes(i));
    expect(messages.every((r) => r.status === 202 && typeof r.id === "string")).toBe(true);
    await all;
    expect(got).toEqual(bodies);
  });
});

describe("an XML batch", () => {
  it("checks each stanza's namespace as if it were a root, and answers in XML", async () => {
    const batch =
      '<xmpp><message to="alice@localhost" id="x1"><body>xml batch 1</body></message>' +
      '<message xmlns="jabber:server" to="alice@localhost"><body>wrong namespace</body></message>' +
      '<message xmlns="jabber:client" to="alice@localhost" id="x3"><body>xml batch 3</body></message></xmpp>';
    const res = await bridge.post(batch);
    expect(res.status).toBe(200);
    const { root } = parseXmlElement(await res.text());
    expect(root.name).toBe("results");
    const results = root.getChildElements();
    expect(results.map((r) => r.attrs.status)).toEqual(["202", "422", "202"]);
    expect(results[0]?.attrs.id).toBe("x1");
    expect(
      results[1]
        ?.getChild("error")
        ?.getChild("invalid-namespace", "urn:ietf:params:xml:ns:xmpp-stanzas"),
    ).toBeDefined();
    await alice.waitFor((s) => s.getChildText("body") === "xml batch 1");
    await alice.waitFor((s) => s.getChildText("body") === "xml batch 3");
  });

  it("refuses a batch on the path form and an empty batch as a whole", async () => {
    const path = await bridge.post(
      "<xmpp><message/></xmpp>",
      {},
      "/rest/message/chat/alice@localhost",
    );
    expect(path.status).toBe(422);
    const empty = await bridge.post('{"xmpp": []}', { "content-type": "application/json" });
    expect(empty.status).toBe(422);
    expect(await empty.json()).toMatchObject({ error: { condition: "bad-request" } });
  });
});
