import xml, { type Element } from "@xmpp/xml";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestBridge, type TestBridge } from "../helpers/bridge.js";
import { freePort } from "../helpers/ports.js";
import { startXmppServer, type XmppServer } from "../helpers/server.js";
import { type Answer, startWebhookServer, type WebhookServer } from "../helpers/webhook-server.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

const DOMAIN = "rest.localhost";
let server: XmppServer;
let alice: XmppUser;
let bridge: TestBridge | undefined;
let hook: WebhookServer | undefined;
let sequence = 0;

beforeAll(async () => {
  server = await startXmppServer({ users: [{ username: "alice", password: "alice-pw" }] });
  alice = await connectUser({ c2sPort: server.c2sPort, username: "alice", password: "alice-pw" });
});

afterEach(async () => {
  await bridge?.stop();
  bridge = undefined;
  await hook?.close();
  hook = undefined;
});

afterAll(async () => {
  await alice?.stop();
  await server?.stop();
});

async function sendIq(to: string): Promise<string> {
  const id = `iq-${++sequence}`;
  await alice.send(xml("iq", { type: "get", to, id }, xml("ping", { xmlns: "urn:xmpp:ping" })));
  return id;
}

function replyTo(id: string): Promise<Element> {
  return alice.waitFor((s) => s.name === "iq" && s.attrs.id === id, 10_000, `reply to ${id}`);
}

function conditionOf(stanza: Element): [string | undefined, string | undefined] {
  const error = stanza.getChild("error");
  const condition = error
    ?.getChildElements()
    .find((c) => c.attrs.xmlns === "urn:ietf:params:xml:ns:xmpp-stanzas" && c.name !== "text");
  return [error?.attrs.type, condition?.name];
}

describe("webhook failures", () => {
  it("answers inbound iqs service-unavailable when no callback URL is configured", async () => {
    bridge = await startTestBridge(server);
    const reply = await replyTo(await sendIq(`bot@${DOMAIN}`));
    expect(reply.attrs.type).toBe("error");
    expect(conditionOf(reply)).toEqual(["cancel", "service-unavailable"]);
  });

  it("answers iqs that the filters leave out service-unavailable", async () => {
    hook = await startWebhookServer();
    bridge = await startTestBridge(server, {
      XMPP_REST_CALLBACK_URL: `${hook.url}/hook`,
      XMPP_REST_CALLBACK_STANZAS: "message",
    });
    const reply = await replyTo(await sendIq(`bot@${DOMAIN}`));
    expect(conditionOf(reply)).toEqual(["cancel", "service-unavailable"]);
    expect(hook.requests.filter((r) => r.method === "POST")).toHaveLength(0);
  });

  it("answers wait/recipient-unavailable when the webhook refuses connections", async () => {
    const closedPort = await freePort();
    bridge = await startTestBridge(server, {
      XMPP_REST_CALLBACK_URL: `http://127.0.0.1:${closedPort}/hook`,
      // One attempt: the reply rules apply at once (retries are tested in durable.test.ts).
      XMPP_REST_CALLBACK_RETRY: "none",
    });
    const reply = await replyTo(await sendIq(`bot@${DOMAIN}`));
    expect(conditionOf(reply)).toEqual(["wait", "recipient-unavailable"]);
    const message = "refused message";
    await alice.send(
      xml(
        "message",
        { to: `bot@${DOMAIN}`, type: "chat", id: "m-refused" },
        xml("body", {}, message),
      ),
    );
    const error = await alice.waitFor(
      (s) => s.attrs.id === "m-refused" && s.attrs.type === "error",
    );
    expect(conditionOf(error)).toEqual(["wait", "recipient-unavailable"]);
  });

  it("answers wait/resource-constraint once the backlog is full", async () => {
    const release: (() => void)[] = [];
    let arrived: () => void = () => {};
    const first = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    // Holds every call until the test releases it, so the backlog fills deterministically.
    hook = await startWebhookServer((req) => {
      if (req.method !== "POST") return { status: 200 };
      arrived();
      return new Promise<Answer>((resolve) => release.push(() => resolve({ status: 204 })));
    });
    bridge = await startTestBridge(server, {
      XMPP_REST_CALLBACK_URL: `${hook.url}/hook`,
      XMPP_REST_CALLBACK_CONCURRENCY: "1",
      XMPP_REST_CALLBACK_QUEUE: "2",
    });
    const message = (id: string, to: string) =>
      alice.send(xml("message", { to, type: "chat", id }, xml("body", {}, id)));
    await message("q1", `bot@${DOMAIN}`);
    await first;
    await message("q2", `bot@${DOMAIN}`);
    await message("q3", `other@${DOMAIN}`);
    const error = await alice.waitFor((s) => s.attrs.id === "q3" && s.attrs.type === "error");
    expect(conditionOf(error)).toEqual(["wait", "resource-constraint"]);
    release.shift()?.();
    await hook.waitFor((r) => r.body.includes("q2"));
    release.shift()?.();
    const bodies = () => hook?.requests.filter((r) => r.method === "POST").map((r) => r.body) ?? [];
    expect(bodies().some((b) => b.includes("q1"))).toBe(true);
    expect(bodies().some((b) => b.includes("q3"))).toBe(false);
  });

  it("keeps running when the start-up probe fails", async () => {
    hook = await startWebhookServer((req) =>
      req.method === "OPTIONS" ? { status: 500, body: "no probe here" } : { status: 204 },
    );
    bridge = await startTestBridge(server, { XMPP_REST_CALLBACK_URL: `${hook.url}/hook` });
    await hook.waitFor((r) => r.method === "OPTIONS");
    const reply = await replyTo(await sendIq(`bot@${DOMAIN}`));
    expect(reply.attrs.type).toBe("result");
  });

  it("lets the start-up probe choose the format from its Accept header", async () => {
    hook = await startWebhookServer((req) =>
      req.method === "OPTIONS"
        ? { status: 200, headers: { accept: "text/html, application/json;q=0.9" } }
        : { status: 204 },
    );
    bridge = await startTestBridge(server, { XMPP_REST_CALLBACK_URL: `${hook.url}/hook` });
    const id = await sendIq(`bot@${DOMAIN}`);
    const req = await hook.waitFor((r) => r.method === "POST");
    expect(req.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(req.body)).toMatchObject({ kind: "iq", type: "get", id });
    expect((await replyTo(id)).attrs.type).toBe("result");
  });
});
