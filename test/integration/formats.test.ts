import type { Element } from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBridge, type TestBridge } from "../helpers/bridge.js";
import { startXmppServer, type XmppServer } from "../helpers/server.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

let server: XmppServer;
let bridge: TestBridge;
let dave: XmppUser;

beforeAll(async () => {
  server = await startXmppServer({ users: [{ username: "dave", password: "dave-pw" }] });
  bridge = await startTestBridge(server);
  dave = await connectUser({ c2sPort: server.c2sPort, username: "dave", password: "dave-pw" });
});

afterAll(async () => {
  await dave?.stop();
  await bridge?.stop();
  await server?.stop();
});

/** What a user sees of a message, without the per-send id. */
function seen(stanza: Element) {
  return {
    from: stanza.attrs.from,
    to: stanza.attrs.to,
    type: stanza.attrs.type,
    body: stanza.getChildText("body"),
    children: stanza.getChildElements().map((c) => `${c.attrs.xmlns ?? ""} ${c.name}`),
  };
}

describe("one message in four formats", () => {
  it("reaches the user identically as XML, JSON, form and plain text", async () => {
    const sends: [string, () => Promise<Response>][] = [
      [
        "xml",
        () =>
          bridge.post(
            '<message to="dave@localhost" from="bot@rest.localhost" type="chat"><body>same-xml</body></message>',
          ),
      ],
      [
        "json",
        () =>
          bridge.post(
            JSON.stringify({
              to: "dave@localhost",
              from: "bot@rest.localhost",
              type: "chat",
              body: "same-json",
            }),
            {
              "content-type": "application/json",
            },
          ),
      ],
      [
        "form",
        () =>
          bridge.post("to=dave%40localhost&from=bot%40rest.localhost&type=chat&body=same-form", {
            "content-type": "application/x-www-form-urlencoded",
          }),
      ],
      [
        "text",
        () =>
          bridge.post(
            "same-text",
            { "content-type": "text/plain; charset=utf-8" },
            "/rest/message/chat/dave@localhost",
          ),
      ],
    ];
    const received = [];
    for (const [format, send] of sends) {
      const res = await send();
      expect(res.status, format).toBe(202);
      const got = await dave.waitFor((s) => s.getChildText("body") === `same-${format}`);
      received.push({ ...seen(got), body: got.getChildText("body")?.replace(format, "*") });
    }
    // The text form has no from: it comes from the component's domain.
    const [xmlSeen, jsonSeen, formSeen, textSeen] = received;
    expect(jsonSeen).toEqual(xmlSeen);
    expect(formSeen).toEqual(xmlSeen);
    expect({ ...textSeen, from: "bot@rest.localhost" }).toEqual(xmlSeen);
  });
});

describe("path and query forms", () => {
  it("POST /rest/{kind}/{type}/{to} takes kind, type and to from the path", async () => {
    const res = await bridge.post(
      JSON.stringify({ body: "via path" }),
      { "content-type": "application/json" },
      "/rest/message/headline/dave@localhost",
    );
    expect(res.status).toBe(202);
    const got = await dave.waitFor((s) => s.getChildText("body") === "via path");
    expect(got.attrs.type).toBe("headline");
  });

  it("POST /rest/presence/{type}/{to} with text sets show", async () => {
    const res = await bridge.post(
      "dnd",
      { "content-type": "text/plain" },
      "/rest/presence/available/dave@localhost",
    );
    expect(res.status).toBe(202);
    const got = await dave.waitFor(
      (s) => s.name === "presence" && s.getChildText("show") === "dnd",
    );
    expect(got.attrs.from).toBe("rest.localhost");
  });

  it("GET /rest/version/{server} returns the real server's answer as JSON", async () => {
    const res = await bridge.get("/rest/version/localhost", { accept: "application/json" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.json()).toMatchObject({
      kind: "iq",
      type: "result",
      from: "localhost",
      // Server-specific: each server names itself (Prosody 0.12.x, ejabberd 23.01-1).
      version: {
        name: server.software.name,
        version: expect.stringMatching(server.software.version),
      },
    });
  });

  it("GET /rest/disco/{server} returns the server's identities and features as JSON", async () => {
    const res = await bridge.get("/rest/disco/localhost", { accept: "application/json" });
    expect(res.status).toBe(200);
    const json = (await res.json()) as {
      disco: { identities: { category: string }[]; features: string[] };
    };
    expect(json.disco.identities.some((i) => i.category === "server")).toBe(true);
    expect(json.disco.features).toContain("urn:xmpp:ping");
  });

  it("GET /rest/items/{server} lists the server's components", async () => {
    const res = await bridge.get("/rest/items/localhost", { accept: "application/json" });
    expect(res.status).toBe(200);
    const json = (await res.json()) as { items: { jid: string }[] };
    expect(json.items.map((i) => i.jid)).toContain("rest.localhost");
  });

  it("GET /rest/ping/{server} answers in XML by default", async () => {
    const res = await bridge.get("/rest/ping/localhost");
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^<iq [^>]*type="result"/);
  });

  it("GET with an unknown query is a 404", async () => {
    const res = await bridge.get("/rest/teleport/localhost", { accept: "application/json" });
    expect(res.status).toBe(404);
  });

  it("POST /rest/echo returns the normalised stanza without sending it", async () => {
    const res = await bridge.post(
      JSON.stringify({ to: "Dave@LOCALHOST", body: "echo only" }),
      { "content-type": "application/json", accept: "application/json" },
      "/rest/echo",
    );
    expect(res.status).toBe(200);
    const json = (await res.json()) as Record<string, unknown>;
    expect(json).toMatchObject({
      kind: "message",
      to: "dave@localhost",
      from: "rest.localhost",
      body: "echo only",
    });
    expect(json.id).toEqual(expect.any(String));
    expect(dave.received.some((s) => s.getChildText("body") === "echo only")).toBe(false);
  });

  it("answers an iq sent as JSON in JSON", async () => {
    const res = await bridge.post(JSON.stringify({ to: "localhost", ping: true }), {
      "content-type": "application/json",
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ kind: "iq", type: "result", from: "localhost" });
  });

  it("returns an iq error reply as JSON with its error object", async () => {
    const res = await bridge.post(
      '<iq type="get" to="localhost"><query xmlns="urn:example:nothing"/></iq>',
      {
        accept: "application/json",
      },
    );
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      kind: "iq",
      type: "error",
      from: "localhost",
      error: { type: "cancel", condition: "service-unavailable" },
    });
  });

  it("answers form requests in form encoding", async () => {
    const res = await bridge.post("to=localhost&kind=iq&type=get&ping=true", {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(res.status).toBe(200);
    const form = new URLSearchParams(await res.text());
    expect(form.get("type")).toBe("result");
    expect(form.get("from")).toBe("localhost");
  });

  it.each([
    ['{"to":"dave@localhost","body":5}', "body"],
    ['{"to":"localhost","ping":"yes"}', "ping"],
    ['{"kind":"teleport","to":"dave@localhost"}', "kind"],
  ])("rejects %s with 422 naming the field", async (body, field) => {
    const res = await bridge.post(body, {
      "content-type": "application/json",
      accept: "application/json",
    });
    expect(res.status).toBe(422);
    const json = (await res.json()) as { error: { text: string } };
    expect(json.error.text).toContain(field);
  });

  it("rejects broken JSON with 400 and keeps delivering", async () => {
    const res = await bridge.post("{nope", { "content-type": "application/json" });
    expect(res.status).toBe(400);
    const ok = await bridge.post(JSON.stringify({ to: "dave@localhost", body: "after bad json" }), {
      "content-type": "application/json",
    });
    expect(ok.status).toBe(202);
    await dave.waitFor((s) => s.getChildText("body") === "after bad json");
  });
});
