import { createHash, randomBytes } from "node:crypto";
import xml, { type Element } from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBridge, type TestBridge } from "../helpers/bridge.js";
import { type EventPoller, ownerEventPoller } from "../helpers/event-poller.js";
import { ACCOUNT_HOST, startXmppServer, type XmppServer } from "../helpers/server.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

// The message calls and files of an account (README, "Messages, files and commands"): the
// same routes as a bot's under /v1/accounts/{jid}/ and /v1/me/, acting from the account's
// own session; bob is a real user on the other side.

const ADMIN = "test-token";
const ALICE = `alice@${ACCOUNT_HOST}`;
const PASSWORD = "alice-password-1";
const BOB = "bob@localhost";
const NS = {
  sid: "urn:xmpp:sid:0",
  correct: "urn:xmpp:message-correct:0",
  retract: "urn:xmpp:message-retract:1",
  reactions: "urn:xmpp:reactions:0",
  reply: "urn:xmpp:reply:0",
  markers: "urn:xmpp:chat-markers:0",
  chatStates: "http://jabber.org/protocol/chatstates",
  oob: "jabber:x:oob",
};

let server: XmppServer;
let bridge: TestBridge;
let bob: XmppUser;
let events: EventPoller;
let aliceToken = "";
let sequence = 0;

/** A call as alice with her token: under /v1/accounts/{jid} or, with `me`, /v1/me. */
function call(path: string, method: string, body?: unknown, me = false) {
  const base = me ? "/v1/me" : `/v1/accounts/${ALICE}`;
  return fetch(`${bridge.url}${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${aliceToken}`,
      "content-type": "application/json",
      accept: "application/json",
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

function postFile(query: string, body: NonNullable<RequestInit["body"]>, me = false) {
  const base = me ? "/v1/me" : `/v1/accounts/${ALICE}`;
  return fetch(`${bridge.url}${base}/files?${query}`, {
    method: "POST",
    body,
    headers: { authorization: `Bearer ${aliceToken}`, accept: "application/json" },
  });
}

/** bob says something to alice; resolves its id once alice's events show it. */
async function bobSays(text: string): Promise<string> {
  const id = `bob-${++sequence}-${randomBytes(3).toString("hex")}`;
  await bob.send(xml("message", { to: ALICE, type: "chat", id }, xml("body", {}, text)));
  await events.next((e) => e.event?.type === "message" && e.event.id === id);
  return id;
}

/** A message bob gets from alice's session that matches. */
const fromAlice = (match: (s: Element) => boolean) => (s: Element) =>
  s.name === "message" && s.attrs.from === `${ALICE}/bridge` && match(s);

async function errorText(res: Response): Promise<string> {
  return ((await res.json()) as { error: { text?: string } }).error.text ?? "";
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

beforeAll(async () => {
  server = await startXmppServer({
    users: [{ username: "bob", password: "bob-pw" }],
    accountUsers: [{ username: "alice", password: PASSWORD }],
  });
  bridge = await startTestBridge(server, {
    XMPP_REST_SECRET_KEY: randomBytes(32).toString("hex"),
    XMPP_REST_ACCOUNT_CA_FILE: server.accounts?.caFile ?? "",
    XMPP_REST_IQ_TIMEOUT: "10",
  });
  bob = await connectUser({ c2sPort: server.c2sPort, username: "bob", password: "bob-pw" });
  const res = await fetch(`${bridge.url}/v1/accounts/${ALICE}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
    body: JSON.stringify({
      password: PASSWORD,
      server: `127.0.0.1:${server.accounts?.port}`,
      resource: "bridge",
    }),
  });
  const created = (await res.json()) as { token?: string };
  if (res.status !== 201 || !created.token) {
    throw new Error(`account not created: ${res.status} ${JSON.stringify(created)}`);
  }
  aliceToken = created.token;
  events = ownerEventPoller(`${bridge.url}/v1/accounts/${ALICE}`, aliceToken, ALICE);
}, 60_000);

afterAll(async () => {
  await bob?.stop();
  await bridge?.stop();
  await server?.stop();
});

describe("an account's message calls, as the user on the other side sees them", () => {
  let question: string;
  let answer: string;

  it("replies from the account's session with a reference and the quoted text", async () => {
    question = await bobSays("did you get the invoice?");
    const res = await call("/messages", "POST", { to: BOB, body: "yes", replyTo: question });
    expect(res.status).toBe(202);
    answer = ((await res.json()) as { id: string }).id;
    const got = await bob.waitFor(fromAlice((s) => s.attrs.id === answer));
    expect(got.getChild("origin-id", NS.sid)?.attrs.id).toBe(answer);
    expect(got.getChild("reply", NS.reply)?.attrs).toMatchObject({ id: question, to: bob.jid });
    expect(got.getChildText("body")).toBe("> did you get the invoice?\nyes");
  });

  it("edits its own message: the user gets a correction of it", async () => {
    const res = await call(`/messages/${answer}`, "PATCH", { body: "yes, thanks" });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ id: answer });
    const got = await bob.waitFor(
      fromAlice((s) => s.getChild("replace", NS.correct) !== undefined),
    );
    expect(got.getChild("replace", NS.correct)?.attrs.id).toBe(answer);
    expect(got.getChildText("body")).toBe("yes, thanks");
  });

  it("reacts, types and marks the user's message read, through /v1/me too", async () => {
    const reacted = await call(
      `/messages/${question}/reactions`,
      "PUT",
      { reactions: ["👍"] },
      true,
    );
    expect(reacted.status).toBe(202);
    const reaction = await bob.waitFor(
      fromAlice((s) => s.getChild("reactions", NS.reactions) !== undefined),
    );
    const set = reaction.getChild("reactions", NS.reactions);
    expect(set?.attrs.id).toBe(question);
    expect(set?.getChildren("reaction").map((r) => r.getText())).toEqual(["👍"]);

    const typing = await call("/typing", "POST", { to: BOB, state: "composing" });
    expect(typing.status).toBe(202);
    await bob.waitFor(fromAlice((s) => s.getChild("composing", NS.chatStates) !== undefined));

    expect((await call(`/messages/${question}/read`, "POST", undefined, true)).status).toBe(202);
    const marker = await bob.waitFor(
      fromAlice((s) => s.getChild("displayed", NS.markers) !== undefined),
    );
    expect(marker.getChild("displayed", NS.markers)?.attrs.id).toBe(question);
  });

  it("deletes its own message: the user gets the retraction", async () => {
    const res = await call(`/messages/${answer}`, "DELETE", undefined, true);
    expect(res.status).toBe(202);
    const got = await bob.waitFor(
      fromAlice((s) => s.getChild("retract", NS.retract) !== undefined),
    );
    expect(got.getChild("retract", NS.retract)?.attrs.id).toBe(answer);
    // Deleted once: a second time is a conflict, and nothing more is sent.
    const again = await call(`/messages/${answer}`, "PATCH", { body: "too late" });
    expect(again.status).toBe(409);
  });

  it("refuses to edit the user's message (403) and names an id it never saw (404)", async () => {
    const theirs = await call(`/messages/${question}`, "PATCH", { body: "forged" });
    expect(theirs.status).toBe(403);
    expect(await errorText(theirs)).toMatch(/not the account's own/);
    const unknown = await call("/messages/never-seen/reactions", "PUT", { reactions: ["👍"] });
    expect(unknown.status).toBe(404);
    expect(await errorText(unknown)).toMatch(/never-seen.*account never sent or received/);
    expect(bob.received.some((s) => s.getChildText("body") === "forged")).toBe(false);
  });

  it("keeps one account's calls to itself: another account's token is 403", async () => {
    const res = await fetch(`${bridge.url}/v1/accounts/carol@${ACCOUNT_HOST}/typing`, {
      method: "POST",
      headers: { authorization: `Bearer ${aliceToken}`, "content-type": "application/json" },
      body: JSON.stringify({ to: BOB, state: "composing" }),
    });
    expect(res.status).toBe(403);
  });
});

describe("an account's files", () => {
  it("uploads to the account's own server's service and the user gets it as OOB", async () => {
    const bytes = randomBytes(200_000);
    const res = await postFile(`to=${BOB}&name=invoice.pdf`, bytes);
    expect(res.status, await res.clone().text()).toBe(202);
    const sent = (await res.json()) as { id: string; url: string };
    expect(sent.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/.*invoice\.pdf$/);
    // ejabberd gives the accounts' host a service of its own: found through secure.localhost.
    if (server.kind === "ejabberd") expect(sent.url).toContain("/upload-secure/");
    const got = await bob.waitFor(fromAlice((s) => s.getChild("x", NS.oob) !== undefined));
    expect(got.attrs.id).toBe(sent.id);
    expect(got.getChild("x", NS.oob)?.getChildText("url")).toBe(sent.url);
    expect(got.getChildText("body")).toBe(sent.url);
    const download = await fetch(sent.url);
    expect(download.status).toBe(200);
    expect(sha256(new Uint8Array(await download.arrayBuffer()))).toBe(sha256(bytes));
  });

  it("takes a form with a caption on /v1/me, and the file can be replied to", async () => {
    const question = await bobSays("send me the picture");
    const form = new FormData();
    form.set("caption", "here it is");
    form.set("replyTo", question);
    form.set("file", new Blob([randomBytes(5_000)], { type: "image/png" }), "cat.png");
    const res = await postFile(`to=${BOB}`, form, true);
    expect(res.status, await res.clone().text()).toBe(202);
    const sent = (await res.json()) as { id: string; url: string };
    const got = await bob.waitFor(fromAlice((s) => s.attrs.id === sent.id));
    expect(got.getChild("x", NS.oob)?.getChildText("url")).toBe(sent.url);
    expect(got.getChild("reply", NS.reply)?.attrs.id).toBe(question);
    await bob.waitFor(fromAlice((s) => s.getChildText("body") === "here it is"));
  });

  it("refuses a file above the service's limit with 413 naming it, before any upload", async () => {
    const res = await postFile(`to=${BOB}&name=big.bin`, new Uint8Array(server.uploadLimit + 1));
    expect(res.status).toBe(413);
    expect(await errorText(res)).toContain(String(server.uploadLimit));
  });
});
