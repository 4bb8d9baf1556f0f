import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import xml, { type Element } from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBridge, type TestBridge } from "../helpers/bridge.js";
import type { BotEvent } from "../helpers/event-clients.js";
import { kick, presenceFrom, sayInRoom, joinRoom as userJoins } from "../helpers/room-user.js";
import { startXmppServer, type XmppServer } from "../helpers/server.js";
import { startWebhookServer, type WebhookServer } from "../helpers/webhook-server.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

const ROOMY = "roomy-bot-token-0123456789";
const OTHER = "other-bot-token-0123456789";
const GREETER = "greeter-bot-token-0123456789";
const HOOKED = "hooked-bot-token-0123456789";

interface RoomEvent {
  type: string;
  room: string;
  nick?: string;
  self?: boolean;
  history?: boolean;
  reason?: string;
  actor?: string;
  via?: string;
  from?: string;
}
type Event = BotEvent & { stanza: BotEvent["stanza"] & { room_event?: RoomEvent } };

interface RoomAnswer {
  room: string;
  nick: string;
  status: string;
  subject: string | null;
  created?: boolean;
  occupants: { nick: string; role: string; affiliation: string; jid?: string }[];
}

let server: XmppServer;
let bridge: TestBridge;
let alice: XmppUser;
let bob: XmppUser;
let hook: WebhookServer;
let dir: string;
let configPath: string;

async function startBridge() {
  bridge = await startTestBridge(
    server,
    { XMPP_REST_STORE: join(dir, "store.db"), XMPP_REST_IQ_TIMEOUT: "5" },
    { configPath },
  );
}

function api(path: string, init: RequestInit & { token?: string } = {}) {
  const { token = ROOMY, ...rest } = init;
  return fetch(`${bridge.url}${path}`, {
    ...rest,
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      accept: "application/json",
    },
  });
}

const joinRoom = (room: string, body: Record<string, unknown> = {}, token = ROOMY) =>
  api(`/v1/bots/${token === ROOMY ? "roomy" : "other"}/rooms/${room}`, {
    method: "PUT",
    body: JSON.stringify(body),
    token,
  });

/** Reads roomy's events by long-poll from where the last call stopped, until one matches. */
const seen: Event[] = [];
let position = "0";
async function nextEvent(match: (event: Event) => boolean, timeoutMs = 15_000): Promise<Event> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = seen.find(match);
    if (found) {
      seen.splice(0, seen.indexOf(found) + 1);
      return found;
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new Error("no matching room event in time");
    const wait = Math.max(1, Math.min(5, Math.floor(left / 1000)));
    const res = await api(`/v1/bots/roomy/events?after=${position}&wait=${wait}`);
    const events = (await res.json()) as Event[];
    for (const event of events) seen.push(event);
    if (events.length > 0) position = events[events.length - 1]?.id ?? position;
  }
}
/** Reads to the end of roomy's events and forgets them: what comes next is news. */
async function skipEvents(): Promise<void> {
  seen.length = 0;
  for (;;) {
    const events = (await (await api(`/v1/bots/roomy/events?after=${position}`)).json()) as Event[];
    if (events.length === 0) return;
    position = events[events.length - 1]?.id ?? position;
  }
}

const roomEvent =
  (type: string, room: string, extra: (e: RoomEvent) => boolean = () => true) =>
  (event: Event) =>
    event.stanza.room_event?.type === type &&
    event.stanza.room_event.room === room &&
    extra(event.stanza.room_event);

const groupchatFrom = (room: string, nick: string, body: string) => (s: Element) =>
  s.name === "message" &&
  s.attrs.type === "groupchat" &&
  s.attrs.from === `${room}/${nick}` &&
  s.getChildText("body") === body;

beforeAll(async () => {
  server = await startXmppServer({
    users: ["alice", "bob"].map((username) => ({ username, password: `${username}-pw` })),
  });
  // The webhook bot answers a room message that mentions it with text: the bridge posts it.
  hook = await startWebhookServer((req) => {
    const stanza = JSON.parse(req.body || "{}") as { body?: string; room_event?: RoomEvent };
    const mention = stanza.room_event?.type === "message" && /hooked/i.test(stanza.body ?? "");
    return mention && !stanza.room_event?.self
      ? { status: 200, headers: { "content-type": "text/plain" }, body: "you called?" }
      : { status: 204 };
  });
  dir = await mkdtemp(join(tmpdir(), "xmpp-rest-rooms-"));
  configPath = join(dir, "config.json");
  await writeFile(
    configPath,
    JSON.stringify({
      bots: {
        roomy: { tokens: [ROOMY] },
        other: { tokens: [OTHER] },
        greeter: { tokens: [GREETER], autoJoinOnInvite: true },
        hooked: {
          tokens: [HOOKED],
          callbackUrl: `${hook.url}/hooked`,
          callbackContentType: "application/json",
        },
      },
    }),
  );
  await startBridge();
  alice = await connectUser({ c2sPort: server.c2sPort, username: "alice", password: "alice-pw" });
  bob = await connectUser({ c2sPort: server.c2sPort, username: "bob", password: "bob-pw" });
});

afterAll(async () => {
  await alice?.stop();
  await bob?.stop();
  await bridge?.stop();
  await hook?.close();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("a bot in rooms", () => {
  it("joins a room where a user is, posts to it and hears the user", async () => {
    const room = `lobby@${server.mucDomain}`;
    await userJoins(alice, room, "alice");
    const res = await joinRoom(room, { nick: "Roomy" });
    expect(res.status).toBe(200);
    const joined = (await res.json()) as RoomAnswer;
    expect(joined).toMatchObject({ room, nick: "Roomy", status: "joined", created: false });
    expect(joined.occupants.map((o) => o.nick).sort()).toEqual(["Roomy", "alice"]);
    const aliceThere = joined.occupants.find((o) => o.nick === "alice");
    expect(aliceThere).toMatchObject({ role: "moderator", affiliation: "owner" });
    await alice.waitFor(presenceFrom(room, "Roomy"), 10_000, "the bot's presence");

    const again = await joinRoom(room, { nick: "Roomy" });
    expect(again.status).toBe(200);
    expect(((await again.json()) as RoomAnswer).occupants).toHaveLength(2);

    const posted = await api(`/v1/bots/roomy/rooms/${room}/messages`, {
      method: "POST",
      body: JSON.stringify({ body: "hello from the bot" }),
    });
    expect(posted.status).toBe(202);
    await alice.waitFor(groupchatFrom(room, "Roomy", "hello from the bot"));

    await sayInRoom(alice, room, "hello bot");
    const heard = await nextEvent(roomEvent("message", room, (e) => e.nick === "alice"));
    expect(heard.stanza.body).toBe("hello bot");
    expect(heard.stanza.room_event?.self).toBe(false);

    const listed = (await (await api("/v1/bots/roomy/rooms")).json()) as { rooms: RoomAnswer[] };
    expect(listed.rooms.map((r) => r.room)).toContain(room);
  });

  it("tells of occupants joining and leaving", async () => {
    const room = `lobby@${server.mucDomain}`;
    await userJoins(bob, room, "bob");
    const came = await nextEvent(roomEvent("occupant-joined", room, (e) => e.nick === "bob"));
    expect(came.stanza.kind).toBe("presence");
    const info = (await (await api(`/v1/bots/roomy/rooms/${room}`)).json()) as RoomAnswer;
    expect(info.occupants.map((o) => o.nick)).toContain("bob");
  });

  it("creates a room that others can then enter", async () => {
    const room = `fresh@${server.mucDomain}`;
    const res = await joinRoom(room, { nick: "Roomy" });
    expect(res.status).toBe(200);
    expect(((await res.json()) as RoomAnswer).created).toBe(true);
    await userJoins(bob, room, "bob");
    await nextEvent(roomEvent("occupant-joined", room, (e) => e.nick === "bob"));
    // No body at all: the nick is the bot's name.
    const bare = await fetch(`${bridge.url}/v1/bots/other/rooms/${room}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${OTHER}` },
    });
    expect(bare.status).toBe(200);
    expect(((await bare.json()) as RoomAnswer).nick).toBe("other");
    expect(
      (await api(`/v1/bots/other/rooms/${room}`, { method: "DELETE", token: OTHER })).status,
    ).toBe(204);
    await nextEvent(roomEvent("occupant-left", room, (e) => e.nick === "other"));
  });

  it("answers a taken nick with 409 and a members-only room with 403", async () => {
    const room = `lobby@${server.mucDomain}`;
    const taken = await joinRoom(room, { nick: "alice" }, OTHER);
    expect(taken.status).toBe(409);
    expect(await taken.json()).toMatchObject({ error: { condition: "conflict" } });

    const closed = `closed@${server.mucDomain}`;
    await userJoins(alice, closed, "alice", { config: { "muc#roomconfig_membersonly": "1" } });
    const refused = await joinRoom(closed, {}, OTHER);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({
      error: { condition: "registration-required" },
    });
    const rooms = (await (await api("/v1/bots/other/rooms", { token: OTHER })).json()) as {
      rooms: RoomAnswer[];
    };
    expect(rooms.rooms).toEqual([]);
  });

  it("refuses bad input with 422 naming the field, and posting where it is not with 409", async () => {
    const notBare = await joinRoom(`lobby@${server.mucDomain}%2Fnick`);
    expect(notBare.status).toBe(422);
    expect(((await notBare.json()) as { error: { text: string } }).error.text).toContain('"room"');
    const badNick = await joinRoom(`lobby@${server.mucDomain}`, { nick: " " });
    expect(badNick.status).toBe(422);
    expect(((await badNick.json()) as { error: { text: string } }).error.text).toContain('"nick"');
    const badBody = await api(`/v1/bots/roomy/rooms/lobby@${server.mucDomain}/messages`, {
      method: "POST",
      body: JSON.stringify({ body: "bell \u0007" }),
    });
    expect(badBody.status).toBe(422);
    expect(((await badBody.json()) as { error: { text: string } }).error.text).toContain('"body"');
    const notIn = await api(`/v1/bots/roomy/rooms/nowhere@${server.mucDomain}/messages`, {
      method: "POST",
      body: JSON.stringify({ body: "hello?" }),
    });
    expect(notIn.status).toBe(409);
    expect(((await notIn.json()) as { error: { text: string } }).error.text).toContain(
      "has not joined",
    );
    expect(bridge.bridge.link.drops).toBe(0);
  });

  it("keeps what was said while it was there, paged newest first", async () => {
    const room = `lobby@${server.mucDomain}`;
    for (const n of [1, 2, 3]) await sayInRoom(alice, room, `numbered ${n}`);
    await nextEvent(
      (e) => e.stanza.room_event?.type === "message" && e.stanza.body === "numbered 3",
    );
    type Page = {
      source: string;
      messages: { id: string; nick: string; body: string }[];
      older: { before: string } | null;
    };
    const first = (await (
      await api(`/v1/bots/roomy/rooms/${room}/messages?limit=2`)
    ).json()) as Page;
    expect(first.source).toBe("store");
    expect(first.messages.map((m) => m.body)).toEqual(["numbered 3", "numbered 2"]);
    expect(first.older).not.toBeNull();
    const second = (await (
      await api(`/v1/bots/roomy/rooms/${room}/messages?limit=2&before=${first.older?.before}`)
    ).json()) as Page;
    expect(second.messages.map((m) => m.body)).toEqual(["numbered 1", "hello bot"]);
  });

  it("changes the subject and the users see it", async () => {
    const room = `fresh@${server.mucDomain}`;
    const res = await api(`/v1/bots/roomy/rooms/${room}/subject`, {
      method: "PUT",
      body: JSON.stringify({ subject: "Bots welcome" }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as RoomAnswer).subject).toBe("Bots welcome");
    await bob.waitFor((s) => s.name === "message" && s.getChildText("subject") === "Bots welcome");
  });

  it("hears invitations, mediated and direct, and a bot with autoJoinOnInvite accepts", async () => {
    const room = `party@${server.mucDomain}`;
    await userJoins(alice, room, "alice");
    // One invite per message: Prosody acts on the first <invite/> only.
    const invite = (to: string, reason: string) =>
      alice.send(
        xml(
          "message",
          { to: room },
          xml(
            "x",
            { xmlns: "http://jabber.org/protocol/muc#user" },
            xml("invite", { to }, xml("reason", {}, reason)),
          ),
        ),
      );
    await invite("roomy@rest.localhost", "come in");
    await invite("greeter@rest.localhost", "greet them");
    const mediated = await nextEvent(roomEvent("invitation", room));
    expect(mediated.stanza.room_event).toMatchObject({ via: "mediated", reason: "come in" });
    // §7.8.2: the inviter's bare, full or occupant JID (Prosody: party@.../alice, ejabberd: the real JID).
    expect(mediated.stanza.room_event?.from).toMatch(/alice/);
    await alice.waitFor(presenceFrom(room, "greeter"), 10_000, "greeter accepting");
    const greeterRooms = (await (
      await api("/v1/bots/greeter/rooms", { token: GREETER })
    ).json()) as { rooms: RoomAnswer[] };
    expect(greeterRooms.rooms.map((r) => r.room)).toEqual([room]);
    const roomyRooms = (await (await api("/v1/bots/roomy/rooms")).json()) as {
      rooms: RoomAnswer[];
    };
    expect(roomyRooms.rooms.map((r) => r.room)).not.toContain(room);

    await bob.send(
      xml(
        "message",
        { to: "roomy@rest.localhost" },
        xml("x", { xmlns: "jabber:x:conference", jid: room, reason: "direct one" }),
      ),
    );
    const direct = await nextEvent(roomEvent("invitation", room, (e) => e.via === "direct"));
    expect(direct.stanza.room_event).toMatchObject({ reason: "direct one" });
  });

  it("gives a webhook bot its room events, and posts the webhook's answer to the room", async () => {
    const room = `party@${server.mucDomain}`;
    const res = await api(`/v1/bots/hooked/rooms/${room}`, {
      method: "PUT",
      body: JSON.stringify({ nick: "Hooked" }),
      token: HOOKED,
    });
    expect(res.status).toBe(200);
    await sayInRoom(alice, room, "hey Hooked, are you there?");
    await alice.waitFor(groupchatFrom(room, "Hooked", "you called?"));
    const delivered = hook.requests.map(
      (r) => JSON.parse(r.body || "{}") as Record<string, unknown>,
    );
    expect(delivered).toContainEqual(
      expect.objectContaining({
        body: "hey Hooked, are you there?",
        room_event: { type: "message", room, nick: "alice", self: false, id: expect.any(String) },
        event: expect.objectContaining({ type: "message", body: "hey Hooked, are you there?" }),
      }),
    );
  });

  it("asks for history only when told, marks it, and does not keep it; changes its nick", async () => {
    const room = `party@${server.mucDomain}`;
    await skipEvents();
    const res = await joinRoom(room, { nick: "Roomy", history: 2 });
    expect(res.status).toBe(200);
    const old = await nextEvent(roomEvent("message", room, (e) => e.history === true));
    expect(old.stanza.delay).toBeDefined();
    const page = (await (await api(`/v1/bots/roomy/rooms/${room}/messages`)).json()) as {
      source: string;
      messages: unknown[];
    };
    // Not kept: the store has nothing for the room, so the first page is the room's own archive.
    expect(page.source).toBe("archive");

    const renamed = await joinRoom(room, { nick: "Roomy2" });
    expect(renamed.status).toBe(200);
    const view = (await renamed.json()) as RoomAnswer;
    expect(view.nick).toBe("Roomy2");
    expect(view.occupants.map((o) => o.nick)).not.toContain("Roomy");
    await alice.waitFor(presenceFrom(room, "Roomy2"), 10_000, "the new nick");
    expect((await api(`/v1/bots/roomy/rooms/${room}`, { method: "DELETE" })).status).toBe(204);
    await alice.waitFor(presenceFrom(room, "Roomy2", "unavailable"), 10_000, "the bot leaving");
  });

  it("hears of its kick, and the room is gone from its list", async () => {
    const room = `lobby@${server.mucDomain}`;
    await skipEvents();
    await kick(alice, room, "Roomy", "enough");
    const kicked = await nextEvent(roomEvent("kicked", room));
    expect(kicked.stanza.room_event).toMatchObject({ reason: "enough" });
    const list = (await (await api("/v1/bots/roomy/rooms")).json()) as { rooms: RoomAnswer[] };
    expect(list.rooms.map((r) => r.room)).not.toContain(room);
  });

  it("is back in its rooms after the XMPP server restarts, without a request", async () => {
    const room = `lasting@${server.mucDomain}`;
    await userJoins(alice, room, "alice", { config: { "muc#roomconfig_persistentroom": "1" } });
    expect((await joinRoom(room, { nick: "Roomy" })).status).toBe(200);
    await skipEvents();
    await alice.stop();
    await server.kill();
    await server.restart();
    alice = await connectUser({ c2sPort: server.c2sPort, username: "alice", password: "alice-pw" });
    await bridge.bridge.link.waitOnline(15_000);
    await userJoins(alice, room, "alice");
    await alice.waitFor(presenceFrom(room, "Roomy"), 15_000, "the bot back in the room");
    const back = await nextEvent(roomEvent("joined", room));
    expect(back.stanza.room_event).toMatchObject({ rejoin: true, nick: "Roomy" });
  });

  it("re-joins its rooms after a bridge restart", async () => {
    const room = `lasting@${server.mucDomain}`;
    await skipEvents();
    await bridge.stop();
    alice.received.length = 0;
    await startBridge();
    await alice.waitFor(presenceFrom(room, "Roomy"), 15_000, "the bot's re-join");
    await nextEvent(roomEvent("joined", room));
    const info = (await (await api(`/v1/bots/roomy/rooms/${room}`)).json()) as RoomAnswer;
    expect(info.nick).toBe("Roomy");
  });
});
