import { randomBytes } from "node:crypto";
import xml, { type Element } from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AccountClient, connectAccountClient } from "../helpers/account-client.js";
import { startTestBridge, type TestBridge } from "../helpers/bridge.js";
import { joinRoom, sayInRoom } from "../helpers/room-user.js";
import { ACCOUNT_HOST, startXmppServer, type XmppServer } from "../helpers/server.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

const ADMIN = "test-token";
const ALICE = `alice@${ACCOUNT_HOST}`;
const PASSWORD = "alice-password-1";
const CHAT = "conference.localhost";

let server: XmppServer;
let bridge: TestBridge;
let bob: XmppUser;
let phone: AccountClient;
let token = "";
const unique = (name: string) => `${name}-${randomBytes(3).toString("hex")}@${CHAT}`;

function api(path: string, init: RequestInit = {}, bearer = token) {
  return fetch(`${bridge.url}/v1/accounts/${ALICE}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
  });
}

async function putAlice(): Promise<string> {
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
  return body.token;
}

/** The account's bookmarks as its other client reads them (XEP-0402, else XEP-0048). */
async function bookmarkedRooms(): Promise<string[]> {
  const { reply } = await phone.connection.request(
    xml(
      "iq",
      { type: "get", to: ALICE, id: `bm-${randomBytes(3).toString("hex")}` },
      xml(
        "pubsub",
        { xmlns: "http://jabber.org/protocol/pubsub" },
        xml("items", { node: "urn:xmpp:bookmarks:1" }),
      ),
    ),
    5_000,
  );
  const items =
    reply
      .getChild("pubsub", "http://jabber.org/protocol/pubsub")
      ?.getChild("items")
      ?.getChildren("item") ?? [];
  if (items.length > 0) return items.map((i: Element) => i.attrs.id as string);
  const { reply: legacy } = await phone.connection.request(
    xml(
      "iq",
      { type: "get", to: ALICE, id: `bm-${randomBytes(3).toString("hex")}` },
      xml("query", { xmlns: "jabber:iq:private" }, xml("storage", { xmlns: "storage:bookmarks" })),
    ),
    5_000,
  );
  return (
    legacy
      .getChild("query", "jabber:iq:private")
      ?.getChild("storage", "storage:bookmarks")
      ?.getChildren("conference")
      .map((c: Element) => c.attrs.jid as string) ?? []
  );
}

async function until<T>(read: () => Promise<T>, match: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (match(value)) return value;
    if (Date.now() > deadline) throw new Error(`still ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

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
  token = await putAlice();
  bob = await connectUser({ c2sPort: server.c2sPort, username: "bob", password: "bob-pw" });
  const host = server.accounts;
  if (!host) throw new Error("no account host");
  phone = await connectAccountClient(host, "alice", PASSWORD, "phone");
}, 60_000);

afterAll(async () => {
  await phone?.stop();
  await bob?.stop();
  await bridge?.stop();
  await server?.stop();
});

describe("rooms as the account", () => {
  it("joins a room, posts, reads history, leaves; the bookmark comes and goes with it", async () => {
    const room = unique("talk");
    const joined = await api(`/rooms/${room}`, { method: "PUT", body: "{}" });
    const view = (await joined.json()) as { nick: string; status: string };
    expect(joined.status, JSON.stringify(view)).toBe(200);
    expect(view).toMatchObject({ nick: "alice", status: "joined" });
    await until(bookmarkedRooms, (rooms) => rooms.includes(room));

    await joinRoom(bob, room, "bob");
    const posted = await api(`/rooms/${room}/messages`, {
      method: "POST",
      body: JSON.stringify({ body: "hello room" }),
    });
    expect(posted.status).toBe(202);
    const heard = await bob.waitFor(
      (s) => s.name === "message" && s.getChildText("body") === "hello room",
    );
    expect(heard.attrs.from).toBe(`${room}/alice`);
    await sayInRoom(bob, room, "hi alice");
    const history = await until(
      async () =>
        (await (await api(`/rooms/${room}/messages`)).json()) as {
          messages: { body: string; nick: string }[];
        },
      (page) => page.messages.some((m) => m.body === "hi alice"),
    );
    expect(history.messages.map((m) => m.body)).toEqual(["hi alice", "hello room"]);
    // The room is a conversation of the account too.
    const conversations = (await (await api("/conversations")).json()) as {
      with: string;
      kind: string;
      unread: number;
    }[];
    expect(conversations.find((c) => c.with === room)).toMatchObject({
      kind: "groupchat",
      unread: 1,
    });

    expect((await api(`/rooms/${room}`, { method: "DELETE" })).status).toBe(204);
    await until(bookmarkedRooms, (rooms) => !rooms.includes(room));
    expect(((await (await api("/rooms")).json()) as { rooms: unknown[] }).rooms).toEqual([]);
  });

  it("joins the bookmarked rooms marked autojoin at the next login", async () => {
    const room = unique("stay");
    expect((await api(`/rooms/${room}`, { method: "PUT", body: "{}" })).status).toBe(200);
    await until(bookmarkedRooms, (rooms) => rooms.includes(room));
    // Forgotten by the bridge, kept by the server: the next login finds the bookmark.
    const deleted = await fetch(`${bridge.url}/v1/accounts/${ALICE}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(deleted.status).toBe(204);
    token = await putAlice();
    const rooms = await until(
      async () =>
        ((await (await api("/rooms")).json()) as { rooms: { room: string; status: string }[] })
          .rooms,
      (list) => list.some((r) => r.room === room && r.status === "joined"),
    );
    expect(rooms.map((r) => r.room)).toEqual([room]);
  });
});
