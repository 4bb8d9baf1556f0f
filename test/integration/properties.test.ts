/**
 * Smack stanza properties end to end: what a Smack/Android client attaches to a message
 * reaches a JSON webhook as a typed `properties` object, and properties sent through
 * POST /rest in JSON reach the user as Smack's XML.
 */
import xml from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NS } from "../../src/stanza/ns.js";
import { startTestBridge, type TestBridge } from "../helpers/bridge.js";
import { startXmppServer, type XmppServer } from "../helpers/server.js";
import { startWebhookServer, type WebhookServer } from "../helpers/webhook-server.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

let server: XmppServer;
let hook: WebhookServer;
let bridge: TestBridge;
let alice: XmppUser;

beforeAll(async () => {
  server = await startXmppServer({ users: [{ username: "alice", password: "alice-pw" }] });
  hook = await startWebhookServer(() => ({ status: 204 }));
  bridge = await startTestBridge(server, {
    XMPP_REST_CALLBACK_URL: `${hook.url}/hook`,
    XMPP_REST_CALLBACK_CONTENT_TYPE: "application/json",
  });
  alice = await connectUser({ c2sPort: server.c2sPort, username: "alice", password: "alice-pw" });
});

afterAll(async () => {
  await alice?.stop();
  await bridge?.stop();
  await hook?.close();
  await server?.stop();
});

const property = (name: string, type: string, value: string) =>
  xml("property", {}, xml("name", {}, name), xml("value", { type }, value));

describe("Smack properties", () => {
  it("reach a JSON webhook typed", async () => {
    await alice.send(
      xml(
        "message",
        { to: "bot@rest.localhost", type: "chat", id: "smack-1" },
        xml("body", {}, "Hi!"),
        xml(
          "properties",
          { xmlns: NS.properties },
          property("some_number", "integer", "123"),
          property("some_string", "string", "abc"),
          property("flag", "boolean", "true"),
        ),
      ),
    );
    const req = await hook.waitFor((r) => r.body.includes("smack-1"), 10_000, "the message");
    expect(req.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(req.body)).toMatchObject({
      kind: "message",
      id: "smack-1",
      body: "Hi!",
      properties: { some_number: 123, some_string: "abc", flag: true },
    });
  });

  it("sent in JSON through POST /rest reach the user as Smack's XML", async () => {
    const res = await bridge.post(
      JSON.stringify({
        to: "alice@localhost",
        type: "chat",
        id: "smack-2",
        body: "with properties",
        properties: { count: 7, ratio: 0.5, note: "x" },
      }),
      { "content-type": "application/json" },
    );
    expect(res.status).toBe(202);
    const got = await alice.waitFor((s) => s.attrs.id === "smack-2");
    const props = got.getChild("properties", NS.properties)?.getChildren("property") ?? [];
    const typed = Object.fromEntries(
      props.map((p) => [
        p.getChildText("name"),
        [p.getChild("value")?.attrs.type, p.getChildText("value")],
      ]),
    );
    expect(typed).toEqual({
      count: ["integer", "7"],
      ratio: ["double", "0.5"],
      note: ["string", "x"],
    });
  });
});
