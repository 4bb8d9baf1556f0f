import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import xml, { type Element } from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBridge, type TestBridge } from "../helpers/bridge.js";
import { type EventPoller, eventPoller } from "../helpers/event-poller.js";
import { joinRoom as userJoins } from "../helpers/room-user.js";
import { startXmppServer, type XmppServer } from "../helpers/server.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

const PAL = "pal-bot-token-0123456789abc";
const DOMAIN = "rest.localhost";
const BOT = `pal@${DOMAIN}`;
const NS = {
  sid: "urn:xmpp:sid:0",
  correct: "urn:xmpp:message-correct:0",
  retract: "urn:xmpp:message-retract:1",
  reactions: "urn:xmpp:reactions:0",
  reply: "urn:xmpp:reply:0",
  fallback: "urn:xmpp:fallback:0",
  markers: "urn:xmpp:chat-markers:0",
  chatStates: "http://jabber.org/protocol/chatstates",
};

let server: XmppServer;
let bridge: TestBridge;
let alice: XmppUser;
let events: EventPoller;
let dir: string;
let sequence = 0;

function api(path: string, init: RequestInit = {}) {
  return fetch(`${bridge.url}/v1/bots/pal${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${PAL}`,
      "content-type": "application/json",
      accept: "application/json",
    },
  });
}
const send = (path: string, method: string, body?: unknown) =>
  api(path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

/** alice says something to the bot (or a room) with these extra elements; resolves its id. */
async function aliceSays(children: Element[], to = BOT, type = "chat"): Promise<string> {
  const id = `alice-${++sequence}`;
  await alice.send(xml("message", { to, type, id }, ...children));
  return id;
}

const fromBot = (match: (s: Element) => boolean) => (s: Element) =>
  s.name === "message" && (s.attrs.from ?? "").startsWith(BOT) && match(s);

/** The text of an error answer ({"type": "error", "error": {..., "text"}}). */
async function errorText(res: Response): Promise<string> {
  return ((await res.json()) as { error: { text?: string } }).error.text ?? "";
}

interface HistoryAnswer {
  messages: Record<string, unknown>[];
}

beforeAll(async () => {
  server = await startXmppServer({ users: [{ username: "alice", password: "alice-pw" }] });
  dir = await mkdtemp(join(tmpdir(), "xmpp-rest-messaging-"));
  const configPath = join(dir, "config.json");
  await writeFile(configPath, JSON.stringify({ bots: { pal: { tokens: [PAL] } } }));
  bridge = await startTestBridge(server, { XMPP_REST_IQ_TIMEOUT: "5" }, { configPath });
  alice = await connectUser({ c2sPort: server.c2sPort, username: "alice", password: "alice-pw" });
  events = eventPoller(bridge.url, "pal", PAL);
});

afterAll(async () => {
  await alice?.stop();
  await bridge?.stop();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("one-to-one: the bot's calls as the user sees them", () => {
  let question: string;
  let answer: string;

  it("answers the id of every send, and replies with a reference and the quoted text", async () => {
    question = await aliceSays([xml("body", {}, "where is the report?")]);
    const heard = await events.next((e) => e.event?.type === "message");
    expect(heard.event).toEqual({
      type: "message",
      id: question,
      from: alice.jid,
      body: "where is the report?",
    });

    const res = await send("/messages", "POST", {
      to: "alice@localhost",
      body: "here it is",
      replyTo: question,
    });
    expect(res.status).toBe(202);
    answer = ((await res.json()) as { id: string }).id;
    const got = await alice.waitFor(fromBot((s) => s.attrs.id === answer));
    expect(got.getChild("origin-id", NS.sid)?.attrs.id).toBe(answer);
    expect(got.getChild("reply", NS.reply)?.attrs).toMatchObject({ id: question, to: alice.jid });
    expect(got.getChildText("body")).toBe("> where is the report?\nhere it is");
    const fallback = got.getChild("fallback", NS.fallback);
    expect(fallback?.attrs.for).toBe(NS.reply);
    expect(fallback?.getChild("body")?.attrs).toMatchObject({ start: "0", end: "23" });
  });

  it("edits its message: the user gets a correction of it", async () => {
    const res = await send(`/messages/${answer}`, "PATCH", { body: "here it is, v2" });
    expect(res.status).toBe(202);
    const got = await alice.waitFor(
      fromBot((s) => s.getChild("replace", NS.correct) !== undefined),
    );
    expect(got.getChild("replace", NS.correct)?.attrs.id).toBe(answer);
    expect(got.getChildText("body")).toBe("here it is, v2");
  });

  it("reacts, types and marks the user's message read", async () => {
    expect(
      (await send(`/messages/${question}/reactions`, "PUT", { reactions: ["👍"] })).status,
    ).toBe(202);
    const reacted = await alice.waitFor(
      fromBot((s) => s.getChild("reactions", NS.reactions) !== undefined),
    );
    const reactions = reacted.getChild("reactions", NS.reactions);
    expect(reactions?.attrs.id).toBe(question);
    expect(reactions?.getChildren("reaction").map((r) => r.getText())).toEqual(["👍"]);

    const typing = await send("/typing", "POST", { to: "alice@localhost", state: "composing" });
    expect(typing.status).toBe(202);
    await alice.waitFor(fromBot((s) => s.getChild("composing", NS.chatStates) !== undefined));

    expect((await send(`/messages/${question}/read`, "POST")).status).toBe(202);
    const marker = await alice.waitFor(
      fromBot((s) => s.getChild("displayed", NS.markers) !== undefined),
    );
    expect(marker.getChild("displayed", NS.markers)?.attrs.id).toBe(question);
  });

  it("deletes its message: the user gets the retraction, history keeps it as deleted", async () => {
    expect((await send(`/messages/${answer}`, "DELETE")).status).toBe(202);
    const got = await alice.waitFor(
      fromBot((s) => s.getChild("retract", NS.retract) !== undefined),
    );
    expect(got.getChild("retract", NS.retract)?.attrs.id).toBe(answer);
    expect(got.getChildText("body")).toMatch(/retract/);

    const history = (await (await api("/messages?with=alice@localhost")).json()) as HistoryAnswer;
    const mine = history.messages.find((m) => m.messageId === answer);
    expect(mine).toMatchObject({ deleted: true, edited: true, replyTo: question });
    expect(mine).not.toHaveProperty("body");
    const theirs = history.messages.find((m) => m.messageId === question);
    expect(theirs).toMatchObject({ body: "where is the report?", direction: "in" });
    // Reactions, markers, typing and the correction itself are not new entries.
    expect(history.messages).toHaveLength(2);
  });
});

describe("one-to-one: the user's doings as the bot's typed events", () => {
  it("shows the user's edit, reactions, reply, typing, read marker and deletion, typed", async () => {
    await events.skip();
    const first = await aliceSays([xml("body", {}, "helo")]);
    await events.next((e) => e.event?.type === "message" && e.event.id === first);
    await aliceSays([xml("body", {}, "hello"), xml("replace", { xmlns: NS.correct, id: first })]);
    const edit = await events.next((e) => e.event?.type === "edit");
    expect(edit.event).toEqual({ type: "edit", id: first, from: alice.jid, body: "hello" });
    expect(edit.stanza.replace).toBe(first);

    const bot = (await (
      await send("/messages", "POST", { to: "alice@localhost", body: "hi" })
    ).json()) as {
      id: string;
    };
    await aliceSays([
      xml("reactions", { xmlns: NS.reactions, id: bot.id }, xml("reaction", {}, "🎉")),
    ]);
    expect((await events.next((e) => e.event?.type === "reactions")).event).toEqual({
      type: "reactions",
      id: bot.id,
      from: alice.jid,
      reactions: ["🎉"],
    });
    await aliceSays([
      xml("body", {}, "> hi\nhi to you"),
      xml("reply", { xmlns: NS.reply, to: BOT, id: bot.id }),
      xml("fallback", { xmlns: NS.fallback, for: NS.reply }, xml("body", { start: "0", end: "5" })),
    ]);
    expect((await events.next((e) => e.event?.replyTo !== undefined)).event).toMatchObject({
      type: "message",
      replyTo: bot.id,
      body: "hi to you",
    });
    await aliceSays([xml("composing", { xmlns: NS.chatStates })]);
    expect((await events.next((e) => e.event?.type === "typing")).event).toEqual({
      type: "typing",
      from: alice.jid,
      state: "composing",
    });
    await aliceSays([xml("displayed", { xmlns: NS.markers, id: bot.id })]);
    expect((await events.next((e) => e.event?.type === "read")).event).toEqual({
      type: "read",
      id: bot.id,
      from: alice.jid,
    });
    await aliceSays([xml("retract", { xmlns: NS.retract, id: first }), xml("body", {}, "gone")]);
    expect((await events.next((e) => e.event?.type === "delete")).event).toEqual({
      type: "delete",
      id: first,
      from: alice.jid,
    });

    const history = (await (await api("/messages?with=alice@localhost")).json()) as HistoryAnswer;
    const edited = history.messages.find((m) => m.messageId === first);
    expect(edited).toMatchObject({ edited: true, deleted: true, direction: "in" });
    expect(history.messages.filter((m) => m.messageId === first)).toHaveLength(1);
  });

  it("answers clearly for ids it never saw, others' messages and bad values", async () => {
    expect((await send("/messages/never-seen", "PATCH", { body: "x" })).status).toBe(404);
    expect((await send("/messages/never-seen/reactions", "PUT", { reactions: [] })).status).toBe(
      404,
    );
    expect((await send("/messages/never-seen/read", "POST")).status).toBe(404);
    const theirs = await aliceSays([xml("body", {}, "mine, not yours")]);
    await events.next((e) => e.event?.id === theirs);
    const edit = await send(`/messages/${theirs}`, "PATCH", { body: "hijacked" });
    expect(edit.status).toBe(403);
    expect(await errorText(edit)).toMatch(/not the bot's own/);
    expect((await send(`/messages/${theirs}`, "DELETE")).status).toBe(403);
    const bad = await send(`/messages/${theirs}/reactions`, "PUT", { reactions: ["👍", "ok"] });
    expect(bad.status).toBe(422);
    expect(await errorText(bad)).toMatch(/reactions\[1\]/);
    const typing = await send("/typing", "POST", { to: "alice@localhost", state: "dancing" });
    expect(typing.status).toBe(422);
    expect(await errorText(typing)).toMatch(/state/);
    const reply = await send("/messages", "POST", {
      to: "alice@localhost",
      body: "x",
      replyTo: "nope",
    });
    expect(reply.status).toBe(404);
    expect((await send(`/messages/${theirs}`, "PATCH", {})).status).toBe(422);
  });
});

describe("in a room", () => {
  let room: string;
  let question: string;

  it("names a user's message by the room's stanza-id, and replies and reacts with it", async () => {
    room = `talk-${Date.now()}@${server.mucDomain}`;
    const joined = await send(`/rooms/${room}`, "PUT", { nick: "Pal" });
    expect(joined.status).toBe(200);
    await userJoins(alice, room, "alice");
    await events.skip();
    await aliceSays([xml("body", {}, "anyone here?")], room, "groupchat");
    const heard = await events.next(
      (e) => e.event?.type === "message" && e.event.body === "anyone here?",
    );
    const stamped = (heard.stanza.stanza_ids as { id: string; by: string }[] | undefined)?.find(
      (s) => s.by === room,
    );
    expect(stamped?.id).toBeDefined();
    question = heard.event?.id ?? "";
    expect(question).toBe(stamped?.id);

    const res = await send(`/rooms/${room}/messages`, "POST", { body: "I am", replyTo: question });
    expect(res.status).toBe(202);
    const got = await alice.waitFor(
      (s) => s.attrs.from === `${room}/Pal` && s.getChild("reply", NS.reply) !== undefined,
    );
    expect(got.getChild("reply", NS.reply)?.attrs).toMatchObject({
      id: question,
      to: `${room}/alice`,
    });

    expect(
      (await send(`/messages/${question}/reactions`, "PUT", { reactions: ["👀"] })).status,
    ).toBe(202);
    const reacted = await alice.waitFor(
      (s) => s.attrs.from === `${room}/Pal` && s.getChild("reactions", NS.reactions) !== undefined,
    );
    expect(reacted.getChild("reactions", NS.reactions)?.attrs.id).toBe(question);
  });

  it("edits its own room message by the id its post answered", async () => {
    const res = await send(`/rooms/${room}/messages`, "POST", { body: "draft" });
    const { id } = (await res.json()) as { id: string };
    // The room's reflection carries the same id.
    const reflected = await events.next(
      (e) => e.event?.type === "message" && e.event.body === "draft",
    );
    expect(reflected.event?.id).toBe(id);
    expect((await send(`/messages/${id}`, "PATCH", { body: "final" })).status).toBe(202);
    const got = await alice.waitFor(
      (s) => s.attrs.from === `${room}/Pal` && s.getChild("replace", NS.correct) !== undefined,
    );
    expect(got.getChild("replace", NS.correct)?.attrs.id).toBe(id);
    const edit = await events.next((e) => e.event?.type === "edit");
    expect(edit.event?.id).toBe(id);
    const history = (await (await api(`/rooms/${room}/messages`)).json()) as HistoryAnswer;
    expect(history.messages.find((m) => m.messageId === id)).toMatchObject({
      body: "final",
      edited: true,
    });
  });

  it("retracts a user's message as a moderator where the server supports it (501 where not)", async () => {
    const res = await send(`/rooms/${room}/messages/${question}?reason=off-topic`, "DELETE");
    if (server.kind === "ejabberd") {
      // ejabberd 23.01 has no XEP-0425.
      expect(res.status).toBe(501);
      expect(await errorText(res)).toMatch(/XEP-0425/);
      return;
    }
    expect(res.status).toBe(204);
    const announced = await events.next((e) => e.event?.type === "delete");
    expect(announced.event).toMatchObject({ id: question, reason: "off-topic" });
    const history = (await (await api(`/rooms/${room}/messages`)).json()) as HistoryAnswer;
    expect(history.messages.find((m) => m.messageId === question)).toMatchObject({
      deleted: true,
    });
  });

  it("refuses moderation of a message said elsewhere or unknown", async () => {
    expect((await send(`/rooms/${room}/messages/nothing-like-it`, "DELETE")).status).toBe(404);
    const elsewhere = await aliceSays([xml("body", {}, "private")]);
    await events.next((e) => e.event?.id === elsewhere);
    expect((await send(`/rooms/${room}/messages/${elsewhere}`, "DELETE")).status).toBe(422);
  });
});
