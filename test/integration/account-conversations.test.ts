import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import xml from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AccountClient, connectAccountClient } from "../helpers/account-client.js";
import { startTestBridge, type TestBridge } from "../helpers/bridge.js";
import { openSse, type StreamClient } from "../helpers/event-clients.js";
import { ACCOUNT_HOST, startXmppServer, type XmppServer } from "../helpers/server.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

const ADMIN = "test-token";
const ALICE = `alice@${ACCOUNT_HOST}`;
const PASSWORD = "alice-password-1";
const USERS = ["bob", "carl", "dave"] as const;

let server: XmppServer;
let bridge: TestBridge;
let users: Record<(typeof USERS)[number], XmppUser>;
let phone: AccountClient;
let token = "";
let dir = "";
const env = () => ({
  XMPP_REST_SECRET_KEY: key,
  XMPP_REST_ACCOUNT_CA_FILE: server.accounts?.caFile ?? "",
  XMPP_REST_IQ_TIMEOUT: "5",
  XMPP_REST_STORE: join(dir, "store.db"),
});
const key = randomBytes(32).toString("hex");

interface Conversation {
  with: string;
  kind: string;
  last: { id: string; from: string; body: string; time: string };
  unread: number;
}

function api(path: string, init: RequestInit = {}) {
  return fetch(`${bridge.url}/v1/accounts/${ALICE}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  });
}

const conversations = async () => {
  const res = await api("/conversations");
  expect(res.status).toBe(200);
  return (await res.json()) as Conversation[];
};

/** Polls the list until `match` holds: the server's carbons arrive on their own. */
async function conversationsUntil(match: (list: Conversation[]) => boolean) {
  const until = Date.now() + 10_000;
  for (;;) {
    const list = await conversations();
    if (match(list)) return list;
    if (Date.now() > until) throw new Error(JSON.stringify(list));
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A user writes; resolves once the account's events have it (so the next one is later). */
async function write(events: StreamClient, from: XmppUser, id: string, body: string) {
  await from.send(xml("message", { to: ALICE, type: "chat", id }, xml("body", {}, body)));
  const until = Date.now() + 10_000;
  for (let count = 1; ; count++) {
    const all = await events.waitForCount(count, Math.max(1, until - Date.now()));
    if (all.some((e) => e.stanza.body === body)) return;
  }
}

const summary = (list: Conversation[]) => list.map((c) => [c.with, c.unread, c.last.body]);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "xmpp-rest-conversations-"));
  server = await startXmppServer({
    users: USERS.map((username) => ({ username, password: `${username}-pw` })),
    accountUsers: [{ username: "alice", password: PASSWORD }],
  });
  bridge = await startTestBridge(server, env());
  const res = await fetch(`${bridge.url}/v1/accounts/${ALICE}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
    body: JSON.stringify({
      password: PASSWORD,
      server: `127.0.0.1:${server.accounts?.port}`,
      resource: "bridge",
    }),
  });
  const body = (await res.json()) as { token: string };
  expect(res.status, JSON.stringify(body)).toBe(201);
  token = body.token;
  const connected = await Promise.all(
    USERS.map((username) =>
      connectUser({ c2sPort: server.c2sPort, username, password: `${username}-pw` }),
    ),
  );
  users = { bob: connected[0], carl: connected[1], dave: connected[2] } as typeof users;
  const host = server.accounts;
  if (!host) throw new Error("no account host");
  phone = await connectAccountClient(host, "alice", PASSWORD, "phone");
}, 60_000);

afterAll(async () => {
  await phone?.stop();
  for (const user of Object.values(users ?? {})) await user.stop();
  await bridge?.stop();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("an account's conversations", () => {
  it("lists three users' conversations newest first with their unread counts", async () => {
    const events = await openSse(`${bridge.url}/v1/accounts/${ALICE}/events`, {
      authorization: `Bearer ${token}`,
    });
    try {
      await write(events, users.dave, "d1", "dave one");
      await write(events, users.carl, "c1", "carl one");
      await write(events, users.carl, "c2", "carl two");
      await write(events, users.bob, "b1", "bob one");
      await write(events, users.bob, "b2", "bob two");
    } finally {
      events.close();
    }
    const list = await conversations();
    expect(summary(list)).toEqual([
      ["bob@localhost", 2, "bob two"],
      ["carl@localhost", 2, "carl two"],
      ["dave@localhost", 1, "dave one"],
    ]);
    expect(list[0]).toMatchObject({ kind: "chat", last: { id: "b2", from: "bob@localhost" } });
  });

  it("pages with a Link header to the next, older page", async () => {
    const first = await api("/conversations?limit=2");
    expect(((await first.json()) as Conversation[]).map((c) => c.with)).toEqual([
      "bob@localhost",
      "carl@localhost",
    ]);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get("link") ?? "")?.[1];
    expect(next).toBeDefined();
    const second = await fetch(`${bridge.url}${next}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(((await second.json()) as Conversation[]).map((c) => c.with)).toEqual([
      "dave@localhost",
    ]);
    expect(second.headers.get("link")).toBeNull();
  });

  it("resets the count when another client of the account sends a displayed marker", async () => {
    await phone.send(
      xml(
        "message",
        { to: "carl@localhost", type: "chat", id: "m-read" },
        xml("displayed", { xmlns: "urn:xmpp:chat-markers:0", id: "c2" }),
      ),
    );
    await conversationsUntil((list) => list.find((c) => c.with === "carl@localhost")?.unread === 0);
  });

  it("marks read through the API up to a message, and the user gets the marker", async () => {
    const res = await api("/conversations/bob@localhost/read", {
      method: "POST",
      body: JSON.stringify({ upTo: "b1" }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ with: "bob@localhost", unread: 1 });
    const marker = await users.bob.waitFor(
      (s) => s.getChild("displayed", "urn:xmpp:chat-markers:0")?.attrs.id === "b1",
    );
    expect(marker.attrs.from).toBe(`${ALICE}/bridge`);
    const unknown = await api("/conversations/bob@localhost/read", {
      method: "POST",
      body: JSON.stringify({ upTo: "nope" }),
    });
    expect(unknown.status).toBe(404);
  });

  it("is the same after a bridge restart", async () => {
    const before = summary(await conversations());
    expect(before).toEqual([
      ["bob@localhost", 1, "bob two"],
      ["carl@localhost", 0, "carl two"],
      ["dave@localhost", 1, "dave one"],
    ]);
    await bridge.stop();
    bridge = await startTestBridge(server, env());
    expect(summary(await conversations())).toEqual(before);
  });
});
