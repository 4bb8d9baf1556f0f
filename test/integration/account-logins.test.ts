import xml from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBridge, type TestBridge } from "../helpers/bridge.js";
import { openSse } from "../helpers/event-clients.js";
import { ACCOUNT_HOST, startXmppServer, type XmppServer } from "../helpers/server.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

const ERIN = `erin@${ACCOUNT_HOST}`;
const FRANK = `frank@${ACCOUNT_HOST}`;
const PASSWORD = "erin-password-1";

let server: XmppServer;
let bridge: TestBridge;
let bob: XmppUser;

const basic = (jid: string, password: string) =>
  `Basic ${Buffer.from(`${jid}:${password}`).toString("base64")}`;

const asErin = (path: string, init: RequestInit = {}) =>
  fetch(`${bridge.url}${path}`, {
    ...init,
    headers: {
      authorization: basic(ERIN, PASSWORD),
      "content-type": "application/json",
      accept: "application/json",
    },
  });

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  server = await startXmppServer({
    users: [{ username: "bob", password: "bob-pw" }],
    accountUsers: [
      { username: "erin", password: PASSWORD },
      { username: "frank", password: "frank-password" },
    ],
  });
  bridge = await startTestBridge(server, {
    XMPP_REST_ACCOUNT_DOMAINS: `${ACCOUNT_HOST}=127.0.0.1:${server.accounts?.port}`,
    XMPP_REST_ACCOUNT_CA_FILE: server.accounts?.caFile ?? "",
    XMPP_REST_SESSION_IDLE: "1",
  });
  bob = await connectUser({ c2sPort: server.c2sPort, username: "bob", password: "bob-pw" });
}, 60_000);

afterAll(async () => {
  await bob?.stop();
  await bridge?.stop();
  await server?.stop();
});

describe("users who log in themselves (Basic)", () => {
  it("opens a session with the user's own password, sends through /rest and reads the archive", async () => {
    const me = await asErin("/v1/me");
    expect(me.status, await me.clone().text()).toBe(200);
    expect(await me.json()).toMatchObject({ jid: ERIN, state: "online" });

    const sent = await asErin("/rest", {
      method: "POST",
      body: JSON.stringify({
        kind: "message",
        type: "chat",
        to: "bob@localhost",
        body: "hi from erin",
      }),
    });
    expect(sent.status).toBe(202);
    await bob.waitFor((s) => s.getChildText("body") === "hi from erin");
    await bob.send(
      xml("message", { to: ERIN, type: "chat", id: "e1" }, xml("body", {}, "hi erin")),
    );
    const page = await until(async () => {
      const res = await asErin("/v1/me/messages?with=bob@localhost");
      const body = (await res.json()) as { source: string; messages: { body: string }[] };
      return body.messages.length >= 2 ? body : undefined;
    }, "both messages in the archive");
    expect(page.source).toBe("archive");
    expect(page.messages.map((m) => m.body)).toEqual(["hi erin", "hi from erin"]);
  });

  it("streams to a browser with a short-lived token, and closes the idle session", async () => {
    const issued = await asErin("/v1/me/token", { method: "POST" });
    expect(issued.status).toBe(200);
    const { token, expiresIn } = (await issued.json()) as { token: string; expiresIn: number };
    expect(expiresIn).toBeGreaterThan(0);
    const sse = await openSse(`${bridge.url}/v1/me/events?access_token=${token}`);
    expect(sse.status).toBe(200);
    await bob.send(
      xml("message", { to: ERIN, type: "chat", id: "e2" }, xml("body", {}, "streamed")),
    );
    const events = await until(async () => {
      await sse.waitForCount(sse.events.length + 1, 5_000).catch(() => {});
      return sse.events.find((e) => e.stanza.body === "streamed") ? sse.events : undefined;
    }, "the streamed message");
    expect(events.some((e) => e.stanza.body === "streamed")).toBe(true);
    // An open stream keeps the session; with no stream and no request it goes after 1 s.
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await fetch(`${bridge.url}/v1/me?access_token=${token}`)).status).toBe(200);
    sse.close();
    await until(
      async () => {
        const res = await fetch(`${bridge.url}/v1/me/events?access_token=${token}`);
        return res.status === 403 ? true : undefined;
      },
      "the session closed",
      10_000,
    );
  });

  it("refuses a domain the operator did not list, with 403 saying so", async () => {
    const res = await fetch(`${bridge.url}/v1/me`, {
      headers: { authorization: basic("bob@localhost", "bob-pw") },
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("XMPP_REST_ACCOUNT_DOMAINS");
  });

  it("answers the sixth wrong password within a minute with 429 and Retry-After", async () => {
    const attempt = () =>
      fetch(`${bridge.url}/v1/me`, { headers: { authorization: basic(FRANK, "not-it") } });
    for (let n = 1; n <= 5; n++) expect((await attempt()).status).toBe(401);
    const sixth = await attempt();
    expect(sixth.status).toBe(429);
    expect(Number(sixth.headers.get("retry-after"))).toBeGreaterThan(0);
    const body = await sixth.text();
    expect(body).not.toContain("not-it");
    // The right password is limited too until the window passes: no oracle.
    const right = await fetch(`${bridge.url}/v1/me`, {
      headers: { authorization: basic(FRANK, "frank-password") },
    });
    expect(right.status).toBe(429);
  });
});
