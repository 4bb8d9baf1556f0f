import { randomBytes } from "node:crypto";
import xml from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AccountClient, connectAccountClient } from "../helpers/account-client.js";
import { startTestBridge, type TestBridge } from "../helpers/bridge.js";
import { type BotEvent, openSse, type StreamClient } from "../helpers/event-clients.js";
import { ACCOUNT_HOST, serverKind, startXmppServer, type XmppServer } from "../helpers/server.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

const ADMIN = "test-token";
const ALICE = `alice@${ACCOUNT_HOST}`;
const PASSWORD = "alice-password-1";
const BOB = "bob@localhost";

let server: XmppServer;
let bridge: TestBridge;
let bob: XmppUser;
let phone: AccountClient;
let events: StreamClient;
let token = "";

function api(path: string, init: RequestInit = {}) {
  return fetch(`${bridge.url}/v1/accounts/${ALICE}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      accept: "application/json",
    },
  });
}

async function json<T = Record<string, unknown>>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return (text ? JSON.parse(text) : undefined) as T;
}

interface Contact {
  jid: string;
  name: string | null;
  groups: string[];
  subscription: string;
  ask: boolean;
  presence: { resource: string; show: string | null; status: string | null }[];
}

const contacts = async () => json<Contact[]>(await api("/contacts"), 200);
const contactOf = async (jid: string) => (await contacts()).find((c) => c.jid === jid);

/** Polls the contact list until `match` holds (the server's pushes arrive on their own). */
async function contactUntil(jid: string, match: (c: Contact | undefined) => boolean) {
  const until = Date.now() + 10_000;
  for (;;) {
    const contact = await contactOf(jid);
    if (match(contact)) return contact;
    if (Date.now() > until) throw new Error(`${jid}: ${JSON.stringify(contact)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function eventMatching(match: (e: BotEvent) => boolean, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  for (let count = 1; ; count++) {
    const all = await events.waitForCount(count, Math.max(1, until - Date.now()));
    const found = all.find(match);
    if (found) return found;
  }
}

const subscribe = (action: string, jid = BOB) =>
  api(`/contacts/${jid}/subscription`, { method: "POST", body: JSON.stringify({ action }) });

beforeAll(async () => {
  server = await startXmppServer({
    users: [{ username: "bob", password: "bob-pw" }],
    accountUsers: [{ username: "alice", password: PASSWORD }],
  });
  bridge = await startTestBridge(server, {
    XMPP_REST_SECRET_KEY: randomBytes(32).toString("hex"),
    XMPP_REST_ACCOUNT_CA_FILE: server.accounts?.caFile ?? "",
    XMPP_REST_IQ_TIMEOUT: "5",
  });
  const res = await fetch(`${bridge.url}/v1/accounts/${ALICE}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
    body: JSON.stringify({
      password: PASSWORD,
      server: `127.0.0.1:${server.accounts?.port}`,
      resource: "bridge",
    }),
  });
  token = String((await json(res, 201)).token);
  events = await openSse(`${bridge.url}/v1/accounts/${ALICE}/events`, {
    authorization: `Bearer ${token}`,
  });
  bob = await connectUser({ c2sPort: server.c2sPort, username: "bob", password: "bob-pw" });
  // An "interested resource" (RFC 6121 §2.1.6): only those get subscription answers and pushes.
  await bob.send(
    xml("iq", { type: "get", id: "bob-roster" }, xml("query", { xmlns: "jabber:iq:roster" })),
  );
  await bob.waitFor((s) => s.name === "iq" && s.attrs.id === "bob-roster");
  const host = server.accounts;
  if (!host) throw new Error("no account host");
  phone = await connectAccountClient(host, "alice", PASSWORD, "phone");
}, 60_000);

afterAll(async () => {
  events?.close();
  await phone?.stop();
  await bob?.stop();
  await bridge?.stop();
  await server?.stop();
});

describe("an account's contacts", () => {
  it("adds a contact with a name and groups, renames it and removes it", async () => {
    const carl = `carl@${ACCOUNT_HOST}`;
    const added = await json<Contact>(
      await api(`/contacts/${carl}`, {
        method: "PUT",
        body: JSON.stringify({ name: "Carl", groups: ["Work", "Friends"] }),
      }),
      200,
    );
    expect(added).toMatchObject({ jid: carl, name: "Carl", subscription: "none", ask: false });
    expect(added.groups.sort()).toEqual(["Friends", "Work"]);
    await contactUntil(carl, (c) => c?.name === "Carl");

    await json(
      await api(`/contacts/${carl}`, { method: "PUT", body: JSON.stringify({ name: "Carlos" }) }),
      200,
    );
    const renamed = await contactUntil(carl, (c) => c?.name === "Carlos");
    expect(renamed?.groups.sort()).toEqual(["Friends", "Work"]);

    expect((await api(`/contacts/${carl}`, { method: "DELETE" })).status).toBe(204);
    expect(await contactOf(carl)).toBeUndefined();
    // The server's pushes are events too.
    const removed = await eventMatching(
      (e) => e.event?.type === "contact" && e.event.removed === true,
    );
    expect(removed.event).toMatchObject({ jid: carl });
  });

  it("shows a contact the account's other client added, as a contact event too", async () => {
    const dora = `dora@${ACCOUNT_HOST}`;
    await phone.connection.request(
      xml(
        "iq",
        { type: "set", to: ALICE, id: "phone-add" },
        xml(
          "query",
          { xmlns: "jabber:iq:roster" },
          xml("item", { jid: dora, name: "Dora" }, xml("group", {}, "Family")),
        ),
      ),
      5_000,
    );
    const pushed = await eventMatching((e) => e.event?.type === "contact" && e.event.jid === dora);
    expect(pushed.event).toMatchObject({ name: "Dora", groups: ["Family"], removed: false });
    expect(await contactUntil(dora, (c) => c !== undefined)).toMatchObject({
      name: "Dora",
      groups: ["Family"],
    });
  });

  it("refuses a contact that is not a bare JID and an unknown action with 422 naming them, and answers the server's refusal with its status", async () => {
    const full = await api(`/contacts/${encodeURIComponent(`${BOB}/phone`)}`, {
      method: "PUT",
      body: JSON.stringify({ name: "x" }),
    });
    expect(full.status).toBe(422);
    expect(await full.text()).toContain("bob@localhost/phone");
    // The server's refusal is the status: Prosody refuses the account as its own contact
    // (not-allowed, 405); ejabberd takes it.
    const self = await api(`/contacts/${ALICE}`, { method: "PUT", body: JSON.stringify({}) });
    if (serverKind() === "prosody") {
      expect(self.status).toBe(405);
      expect(await self.text()).toContain("not-allowed");
    } else {
      expect(self.status).toBe(200);
      expect((await api(`/contacts/${ALICE}`, { method: "DELETE" })).status).toBe(204);
    }
    const action = await subscribe("befriend");
    expect(action.status).toBe(422);
    expect(await action.text()).toContain("request, approve, deny, cancel, unsubscribe");
  });
});

describe("subscriptions with a real user", () => {
  it("lists the user's request, approves it, asks back: both sides end at both", async () => {
    await bob.send(xml("presence", { to: ALICE, type: "subscribe" }, xml("status", {}, "hi!")));
    const request = await eventMatching((e) => e.event?.type === "subscription-request");
    expect(request.event).toMatchObject({ from: BOB, status: "hi!" });
    const pending = await json<{ jid: string; status: string }[]>(
      await api("/subscription-requests"),
      200,
    );
    expect(pending).toEqual([expect.objectContaining({ jid: BOB, status: "hi!" })]);

    expect((await subscribe("approve")).status).toBe(202);
    await bob.waitFor((s) => s.name === "presence" && s.attrs.type === "subscribed");
    expect(await json(await api("/subscription-requests"), 200)).toEqual([]);
    await contactUntil(BOB, (c) => c?.subscription === "from");

    expect((await subscribe("request")).status).toBe(202);
    await bob.waitFor((s) => s.name === "presence" && s.attrs.type === "subscribe");
    await bob.send(xml("presence", { to: ALICE, type: "subscribed" }));
    await contactUntil(BOB, (c) => c?.subscription === "both" && !c.ask);
    const answered = await eventMatching((e) => e.event?.type === "subscription");
    expect(answered.event).toMatchObject({ from: BOB, action: "approved" });
  });

  it("says 409 with the state for a step the state does not allow", async () => {
    const res = await subscribe("request");
    expect(res.status).toBe(409);
    expect(await res.text()).toContain("subscription: both");
    const deny = await subscribe("deny");
    expect(deny.status).toBe(409);
    expect(await deny.text()).toContain("no request from bob@localhost is pending");
  });
});

describe("presence", () => {
  it("sets dnd with a status, which the user sees; GET shows it", async () => {
    const put = await json(
      await api("/presence", {
        method: "PUT",
        body: JSON.stringify({ show: "dnd", status: "in a meeting", priority: 5 }),
      }),
      200,
    );
    expect(put).toEqual({ available: true, show: "dnd", status: "in a meeting", priority: 5 });
    const seen = await bob.waitFor(
      (s) => s.name === "presence" && s.getChildText("show") === "dnd",
      10_000,
      "alice's dnd",
    );
    expect(seen.attrs.from).toBe(`${ALICE}/bridge`);
    expect(seen.getChildText("status")).toBe("in a meeting");
    expect(await json(await api("/presence"), 200)).toEqual(put);
    const bad = await api("/presence", { method: "PUT", body: JSON.stringify({ show: "busy" }) });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("show");
  });

  it("tells the account's events and contact list when the user goes away", async () => {
    await bob.send(xml("presence", {}, xml("show", {}, "away"), xml("status", {}, "lunch")));
    const event = await eventMatching(
      (e) => e.event?.type === "presence" && e.event.show === "away",
    );
    expect(event.event).toMatchObject({ from: bob.jid, available: true, status: "lunch" });
    const contact = await contactUntil(BOB, (c) => c?.presence[0]?.show === "away");
    expect(contact?.presence[0]).toMatchObject({ status: "lunch" });
  });

  it("cancels and unsubscribes as RFC 6121 §3.2 and §3.3 say: both, then to, then none", async () => {
    expect((await subscribe("cancel")).status).toBe(202);
    await bob.waitFor((s) => s.name === "presence" && s.attrs.type === "unsubscribed");
    await contactUntil(BOB, (c) => c?.subscription === "to");
    expect((await subscribe("unsubscribe")).status).toBe(202);
    await bob.waitFor((s) => s.name === "presence" && s.attrs.type === "unsubscribe");
    const none = await contactUntil(BOB, (c) => c?.subscription === "none");
    // The account no longer sees the user's presence.
    expect(none?.presence).toEqual([]);
  });
});
