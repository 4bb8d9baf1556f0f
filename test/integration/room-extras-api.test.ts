import type { Element } from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBridge, type TestBridge } from "../helpers/bridge.js";
import { grantMembership, joinRoom, sayInRoom } from "../helpers/room-user.js";
import { startXmppServer, type XmppServer } from "../helpers/server.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

const MUC_USER = "http://jabber.org/protocol/muc#user";
const BOT_TOKEN = "a-long-random-token-for-keeper";

let server: XmppServer;
let bridge: TestBridge;
let alice: XmppUser;
let bob: XmppUser;

beforeAll(async () => {
  server = await startXmppServer({
    users: [
      { username: "alice", password: "alice-pw" },
      { username: "bob", password: "bob-pw" },
    ],
  });
  bridge = await startTestBridge(server);
  const put = await call("PUT", "/v1/bots/keeper", { tokens: [BOT_TOKEN] }, "test-token");
  expect(put.status).toBe(201);
  alice = await connectUser({ c2sPort: server.c2sPort, username: "alice", password: "alice-pw" });
  bob = await connectUser({ c2sPort: server.c2sPort, username: "bob", password: "bob-pw" });
});

afterAll(async () => {
  await alice?.stop();
  await bob?.stop();
  await bridge?.stop();
  await server?.stop();
});

function call(method: string, path: string, body?: unknown, token = BOT_TOKEN): Promise<Response> {
  return fetch(`${bridge.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      accept: "application/json",
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const roomPath = (room: string) => `/v1/bots/keeper/rooms/${encodeURIComponent(room)}`;

async function botJoins(room: string): Promise<void> {
  const res = await call("PUT", roomPath(room), { nick: "keeper" });
  expect(res.status, await res.clone().text()).toBe(200);
}

interface Page {
  source: string;
  messages: { id: string; body: string; nick: string }[];
  older: { before: string } | null;
  newer: { after: string } | null;
}

async function page(room: string, query: string): Promise<Page> {
  const res = await call("GET", `${roomPath(room)}/messages?${query}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Page;
}

describe("POST /v1/bots/{name}/rooms/{room}/invitations", () => {
  it("reaches the invitee as a mediated invitation from the room", async () => {
    const room = `party@${server.mucDomain}`;
    await joinRoom(alice, room, "alice", { config: { "muc#roomconfig_allowinvites": "1" } });
    await botJoins(room);
    const res = await call("POST", `${roomPath(room)}/invitations`, {
      jid: "bob@localhost",
      reason: "come and join us",
    });
    expect(res.status, await res.clone().text()).toBe(202);
    expect(await res.json()).toMatchObject({ confirmed: true });
    const invite = await bob.waitFor(
      (s: Element) => s.name === "message" && s.attrs.from === room && !!s.getChild("x", MUC_USER),
    );
    expect(invite.getChild("x", MUC_USER)?.getChild("invite")?.getChildText("reason")).toBe(
      "come and join us",
    );
  });

  it("answers the room's refusal as the status", async () => {
    const room = `closed@${server.mucDomain}`;
    await joinRoom(alice, room, "alice", {
      config: { "muc#roomconfig_membersonly": "1", "muc#roomconfig_allowinvites": "0" },
    });
    await grantMembership(alice, room, `keeper@${server.componentDomain}`);
    await botJoins(room);
    const res = await call("POST", `${roomPath(room)}/invitations`, { jid: "bob@localhost" });
    const body = (await res.json()) as { error: { condition: string } };
    // Prosody: members may not invite (forbidden); ejabberd: allow_user_invites is off (not-allowed).
    const expected = server.kind === "prosody" ? [403, "forbidden"] : [405, "not-allowed"];
    expect([res.status, body.error.condition]).toEqual(expected);
  });

  it("answers 409 when the bot is not in the room", async () => {
    const res = await call("POST", `${roomPath(`elsewhere@${server.mucDomain}`)}/invitations`, {
      jid: "bob@localhost",
    });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { text: string } }).error.text).toContain(
      "join it first",
    );
  });

  it.each([
    ["room", "not-a-room", { jid: "bob@localhost" }],
    ["jid", `party@conference.localhost`, { jid: "not a jid" }],
    ["reason", `party@conference.localhost`, { jid: "bob@localhost", reason: "bell \u0007" }],
  ])("answers 422 naming %s", async (field, room, body) => {
    const res = await call("POST", `${roomPath(room)}/invitations`, body);
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { text: string } }).error.text).toContain(`"${field}"`);
  });
});

describe("room history from the store, then the room's archive", () => {
  it("pages back from what the bot saw into what was said before it joined", async () => {
    const room = `history@${server.mucDomain}`;
    await joinRoom(alice, room, "alice");
    for (const n of [1, 2, 3]) await sayInRoom(alice, room, `before ${n}`);
    await botJoins(room);
    for (const n of [1, 2]) await sayInRoom(alice, room, `after ${n}`);
    // The bot stored both messages said while it was there.
    const deadline = Date.now() + 10_000;
    let first = await page(room, "limit=10");
    while (first.messages.length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setImmediate(resolve));
      first = await page(room, "limit=10");
    }
    expect(first.source).toBe("store");
    expect(first.messages.map((m) => m.body)).toEqual(["after 2", "after 1"]);
    expect(first.older?.before).toMatch(/^archive:./);

    const archived = await page(
      room,
      `limit=2&before=${encodeURIComponent(first.older?.before ?? "")}`,
    );
    expect(archived.source).toBe("archive");
    expect(archived.messages.map((m) => m.body)).toEqual(["before 3", "before 2"]);
    expect(archived.messages[0]?.nick).toBe("alice");
    expect(archived.newer).toBeNull();
    const last = await page(
      room,
      `limit=2&before=${encodeURIComponent(archived.older?.before ?? "")}`,
    );
    expect(last.messages.map((m) => m.body)).toEqual(["before 1"]);
    expect(last.older).toBeNull();
  });

  it("serves the archive's newest page when the store has nothing for the room yet", async () => {
    const room = `quiet@${server.mucDomain}`;
    await joinRoom(alice, room, "alice");
    await sayInRoom(alice, room, "said before anyone came");
    await botJoins(room);
    const first = await page(room, "limit=5");
    expect(first.source).toBe("archive");
    expect(first.messages.map((m) => m.body)).toEqual(["said before anyone came"]);
  });
});
