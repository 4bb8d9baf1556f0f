import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Element } from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBridge, type TestBridge } from "../helpers/bridge.js";
import type { BotEvent } from "../helpers/event-clients.js";
import {
  errorCondition,
  infoOf,
  joinRoom,
  leaveRoom,
  mucItem,
  presenceFrom,
  roomInfo,
  tryToEnter,
} from "../helpers/room-user.js";
import { startXmppServer, type XmppServer } from "../helpers/server.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

// Room administration by a bot (README, "Rooms"), with real users on both servers.
const BOSS = "boss-bot-token-0123456789";
const GUEST = "guest-bot-token-0123456789";

interface RoomEvent {
  type: string;
  room: string;
  nick?: string;
  role?: string;
  cause?: string;
  reason?: string;
  alternate?: string;
}
type Event = BotEvent & { stanza: BotEvent["stanza"] & { room_event?: RoomEvent } };
interface ErrorAnswer {
  error: { condition: string; text?: string };
}
interface Item {
  jid: string;
  reason?: string;
}
type Lists = Record<"owner" | "admin" | "member" | "outcast", Item[] | null | undefined>;

let server: XmppServer;
let bridge: TestBridge;
let alice: XmppUser;
let bob: XmppUser;
let carol: XmppUser;
let dir: string;
let team: string;

function api(path: string, init: { method?: string; body?: unknown; token?: string } = {}) {
  const { token = BOSS, method = "GET", body } = init;
  const bot = token === BOSS ? "boss" : "guest";
  return fetch(`${bridge.url}/v1/bots/${bot}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}
const json = async <T>(res: Response): Promise<T> => (await res.json()) as T;

/** Reads boss's events by long-poll until one matches (earlier ones are passed over). */
let position = "0";
async function nextEvent(match: (event: Event) => boolean, timeoutMs = 15_000): Promise<Event> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await api(`/events?after=${position}&wait=2`);
    for (const event of await json<Event[]>(res)) {
      position = event.id;
      if (match(event)) return event;
    }
  }
  throw new Error("no matching room event in time");
}
const roomEvent =
  (type: string, room: string, extra: (e: RoomEvent) => boolean = () => true) =>
  (event: Event) =>
    event.stanza.room_event?.type === type &&
    event.stanza.room_event.room === room &&
    extra(event.stanza.room_event);

/** The presence the room sends `user` about itself once it changed (a role, a removal). */
const selfChange = (room: string, nick: string, test: (p: Element) => boolean) => (s: Element) =>
  s.name === "presence" &&
  s.attrs.from === `${room}/${nick}` &&
  mucItem(s).codes.includes("110") &&
  test(s);

beforeAll(async () => {
  server = await startXmppServer({
    users: ["alice", "bob", "carol"].map((username) => ({ username, password: `${username}-pw` })),
  });
  dir = await mkdtemp(join(tmpdir(), "xmpp-rest-room-admin-"));
  const configPath = join(dir, "config.json");
  await writeFile(
    configPath,
    JSON.stringify({ bots: { boss: { tokens: [BOSS] }, guest: { tokens: [GUEST] } } }),
  );
  bridge = await startTestBridge(server, { XMPP_REST_IQ_TIMEOUT: "5" }, { configPath });
  const user = (username: string) =>
    connectUser({ c2sPort: server.c2sPort, username, password: `${username}-pw` });
  [alice, bob, carol] = await Promise.all([user("alice"), user("bob"), user("carol")]);
  team = `team@${server.mucDomain}`;
});

afterAll(async () => {
  for (const user of [alice, bob, carol]) await user?.stop();
  await bridge?.stop();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("a bot administering its rooms", () => {
  it("creates a members-only, persistent, moderated room with a name and two members in one request", async () => {
    const res = await api(`/rooms/${team}`, {
      method: "PUT",
      body: {
        nick: "Boss",
        config: {
          name: "Release team",
          membersOnly: true,
          persistent: true,
          moderated: true,
          maxOccupants: 50,
        },
        members: ["alice@localhost", "bob@localhost"],
      },
    });
    expect(res.status).toBe(200);
    const joined = await json<{ created: boolean; ignored: string[] }>(res);
    expect(joined.created).toBe(true);
    // Prosody 0.12's form has no muc#roomconfig_maxusers; ejabberd's has.
    expect(joined.ignored).toEqual(server.kind === "prosody" ? ["maxOccupants"] : []);

    const info = infoOf(await roomInfo(alice, team));
    expect(info.name).toBe("Release team");
    expect(info.features).toEqual(
      expect.arrayContaining(["muc_membersonly", "muc_persistent", "muc_moderated"]),
    );
    const aliceIn = await tryToEnter(alice, team, "alice");
    expect(aliceIn.attrs.type).toBeUndefined();
    expect(mucItem(aliceIn).affiliation).toBe("member");
    // The user is refused (registration-required, which the bridge answers as 403).
    const carolOut = await tryToEnter(carol, team, "carol");
    expect(errorCondition(carolOut)).toBe("registration-required");
  });

  it("reads the configuration back and changes it; the users see the new name", async () => {
    const config = await json<Record<string, unknown>>(await api(`/rooms/${team}/config`));
    expect(config).toMatchObject({
      name: "Release team",
      membersOnly: true,
      persistent: true,
      moderated: true,
      password: false,
      whois: "moderators",
      maxOccupants: server.kind === "prosody" ? null : 50,
    });
    expect(typeof config.other).toBe("object");

    const res = await api(`/rooms/${team}/config`, {
      method: "PATCH",
      body: { name: "Release crew", maxOccupants: 30 },
    });
    expect(res.status).toBe(200);
    const changed = await json<{ name: string; ignored: string[] }>(res);
    expect(changed.name).toBe("Release crew");
    expect(changed.ignored).toEqual(server.kind === "prosody" ? ["maxOccupants"] : []);
    expect(infoOf(await roomInfo(alice, team)).name).toBe("Release crew");

    const details = await json<{
      config: Record<string, unknown>;
      affiliations: Lists;
      occupants: { nick: string }[];
    }>(await api(`/rooms/${team}`));
    expect(details.config).toMatchObject({
      name: "Release crew",
      membersOnly: true,
      persistent: true,
      moderated: true,
    });
    expect(details.occupants.map((o) => o.nick).sort()).toEqual(["Boss", "alice"]);
    expect(details.affiliations.owner?.map((i) => i.jid)).toEqual(["boss@rest.localhost"]);
    expect(details.affiliations.member?.map((i) => i.jid)).toEqual([
      "alice@localhost",
      "bob@localhost",
    ]);
    expect(details.affiliations.outcast).toEqual([]);
  });

  it("adds, lists and removes members and admins", async () => {
    const set = (jid: string, affiliation: string) =>
      api(`/rooms/${team}/affiliations/${jid}`, { method: "PUT", body: { affiliation } });
    const list = async (affiliation: string) =>
      (await json<Lists>(await api(`/rooms/${team}/affiliations?affiliation=${affiliation}`)))[
        affiliation as keyof Lists
      ]?.map((i) => i.jid);

    expect((await set("carol@localhost", "member")).status).toBe(204);
    expect(await list("member")).toContain("carol@localhost");
    expect((await set("carol@localhost", "admin")).status).toBe(204);
    expect(await list("admin")).toEqual(["carol@localhost"]);
    expect(await list("member")).not.toContain("carol@localhost");
    expect((await set("carol@localhost", "none")).status).toBe(204);
    expect(await list("admin")).toEqual([]);
    expect(await list("member")).not.toContain("carol@localhost");
    const again = await tryToEnter(carol, team, "carol");
    if (server.kind === "prosody") {
      expect(errorCondition(again)).toBe("registration-required");
    } else {
      // ejabberd 23.01 lets a JID whose affiliation was taken away in again, on the role of
      // its earlier affiliation (README, "Administration": where the servers differ).
      expect(mucItem(again)).toMatchObject({ affiliation: "none", role: "moderator" });
      await leaveRoom(carol, team, "carol");
    }
  });

  it("bans a user, who is told why and cannot re-enter, and lifts the ban", async () => {
    const lounge = `lounge@${server.mucDomain}`;
    expect((await api(`/rooms/${lounge}`, { method: "PUT", body: { nick: "Boss" } })).status).toBe(
      200,
    );
    await tryToEnter(carol, lounge, "carol");
    await nextEvent(roomEvent("occupant-joined", lounge, (e) => e.nick === "carol"));
    const res = await api(`/rooms/${lounge}/affiliations/carol@localhost`, {
      method: "PUT",
      body: { affiliation: "outcast", reason: "spamming" },
    });
    expect(res.status).toBe(204);
    const out = await carol.waitFor(
      selfChange(lounge, "carol", (p) => p.attrs.type === "unavailable"),
      10_000,
      "carol's ban",
    );
    expect(mucItem(out)).toMatchObject({ affiliation: "outcast", reason: "spamming" });
    expect(mucItem(out).codes).toContain("301");
    const left = await nextEvent(roomEvent("occupant-left", lounge, (e) => e.nick === "carol"));
    expect(left.stanza.room_event).toMatchObject({ cause: "banned", reason: "spamming" });

    const outcasts = await json<Lists>(
      await api(`/rooms/${lounge}/affiliations?affiliation=outcast`),
    );
    expect(outcasts.outcast?.map((i) => i.jid)).toEqual(["carol@localhost"]);
    expect(errorCondition(await tryToEnter(carol, lounge, "carol"))).toBe("forbidden");

    const lifted = await api(`/rooms/${lounge}/affiliations/carol@localhost`, {
      method: "PUT",
      body: { affiliation: "none" },
    });
    expect(lifted.status).toBe(204);
    expect((await tryToEnter(carol, lounge, "carol")).attrs.type).toBeUndefined();
  });

  it("revokes and grants voice and kicks, with the reasons the users see", async () => {
    const role = (nick: string, body: Record<string, string>) =>
      api(`/rooms/${team}/occupants/${nick}`, { method: "PUT", body });
    alice.received.length = 0;
    expect((await role("alice", { role: "visitor", reason: "quiet please" })).status).toBe(204);
    const muted = await alice.waitFor(
      selfChange(team, "alice", (p) => mucItem(p).role === "visitor"),
    );
    expect(mucItem(muted).reason).toBe("quiet please");
    const changed = await nextEvent(roomEvent("occupant-changed", team, (e) => e.nick === "alice"));
    expect(changed.stanza.room_event).toMatchObject({ role: "visitor" });

    expect((await role("alice", { role: "participant", reason: "go ahead" })).status).toBe(204);
    const voiced = await alice.waitFor(
      selfChange(team, "alice", (p) => mucItem(p).role === "participant"),
    );
    expect(mucItem(voiced).reason).toBe("go ahead");

    await tryToEnter(bob, team, "bob");
    await nextEvent(roomEvent("occupant-joined", team, (e) => e.nick === "bob"));
    expect((await role("bob", { role: "none", reason: "take a break" })).status).toBe(204);
    const kicked = await bob.waitFor(
      selfChange(team, "bob", (p) => p.attrs.type === "unavailable"),
    );
    expect(mucItem(kicked).codes).toContain("307");
    expect(mucItem(kicked).reason).toBe("take a break");
    const left = await nextEvent(roomEvent("occupant-left", team, (e) => e.nick === "bob"));
    expect(left.stanza.room_event).toMatchObject({ cause: "kicked", reason: "take a break" });

    const nobody = await role("nobody", { role: "none" });
    expect(nobody.status).toBe(404);
    expect((await json<ErrorAnswer>(nobody)).error.condition).toBe("item-not-found");
  });

  it("answers 403 to a bot that is not an owner, and leaves a room it entered only to configure", async () => {
    const open = `open@${server.mucDomain}`;
    await joinRoom(alice, open, "alice");
    const res = await api(`/rooms/${open}`, {
      method: "PUT",
      body: { config: { name: "Mine now" } },
      token: GUEST,
    });
    expect(res.status).toBe(403);
    expect((await json<ErrorAnswer>(res)).error.text).toMatch(/not an owner/);
    await alice.waitFor(presenceFrom(open, "guest", "unavailable"), 10_000, "guest leaving");
    const rooms = await json<{ rooms: unknown[] }>(await api("/rooms", { token: GUEST }));
    expect(rooms.rooms).toEqual([]);

    // In the room as a participant: it sees no lists, and the room refuses it the owner's work.
    expect((await api(`/rooms/${open}`, { method: "PUT", token: GUEST, body: {} })).status).toBe(
      200,
    );
    const details = await json<{ affiliations: Lists; config: { name: string | null } }>(
      await api(`/rooms/${open}`, { token: GUEST }),
    );
    expect(details.affiliations).toEqual({ owner: null, admin: null, member: null, outcast: null });
    expect(details.config.name).not.toBe("Mine now");
    const config = await api(`/rooms/${open}/config`, { token: GUEST });
    expect(config.status).toBe(403);
    expect((await json<ErrorAnswer>(config)).error.condition).toBe("forbidden");
    const ban = await api(`/rooms/${open}/affiliations/carol@localhost`, {
      method: "PUT",
      token: GUEST,
      body: { affiliation: "outcast" },
    });
    expect(ban.status).toBe(403);
    const destroy = await api(`/rooms/${open}?destroy=true`, { method: "DELETE", token: GUEST });
    expect(destroy.status).toBe(403);
  });

  it("answers 409 where it is not in the room, and 422 for a bad JID or value", async () => {
    const nowhere = `nowhere@${server.mucDomain}`;
    for (const res of [
      await api(`/rooms/${nowhere}/config`),
      await api(`/rooms/${nowhere}/affiliations`),
      await api(`/rooms/${nowhere}/occupants/x`, { method: "PUT", body: { role: "none" } }),
      await api(`/rooms/${nowhere}?destroy=true`, { method: "DELETE" }),
    ]) {
      expect(res.status).toBe(409);
      expect((await json<ErrorAnswer>(res)).error.condition).toBe("not-acceptable");
    }
    const badJid = await api(`/rooms/${team}/affiliations/bob@localhost%2Fphone`, {
      method: "PUT",
      body: { affiliation: "member" },
    });
    expect(badJid.status).toBe(422);
    expect((await json<ErrorAnswer>(badJid)).error.text).toContain('"jid"');
    const badValue = await api(`/rooms/${team}/config`, {
      method: "PATCH",
      body: { whois: "everyone" },
    });
    expect(badValue.status).toBe(422);
    const badMember = await api(`/rooms/${team}`, {
      method: "PUT",
      body: { nick: "Boss", members: ["not a jid@@"] },
    });
    expect(badMember.status).toBe(422);
    expect((await json<ErrorAnswer>(badMember)).error.text).toContain('"members[0]"');
    const leaveWithReason = await api(`/rooms/${team}?reason=why`, { method: "DELETE" });
    expect(leaveWithReason.status).toBe(400);
  });

  it("answers the room's refusal of a value as its error, and the new room does not stay", async () => {
    const room = `refused@${server.mucDomain}`;
    const res = await api(`/rooms/${room}`, {
      method: "PUT",
      body: { config: { name: "Never", other: { voice_request_min_interval: "soon" } } },
    });
    if (server.kind === "ejabberd") {
      // ejabberd checks every value against its form: bad-request.
      expect(res.status).toBe(400);
      expect((await json<ErrorAnswer>(res)).error.condition).toBe("bad-request");
      const rooms = await json<{ rooms: { room: string }[] }>(await api("/rooms"));
      expect(rooms.rooms.map((r) => r.room)).not.toContain(room);
      expect(errorCondition(await roomInfo(alice, room))).toBe("item-not-found");
    } else {
      // Prosody 0.12's form has no such field (listed as ignored) and takes any value it has.
      expect(res.status).toBe(200);
      expect((await json<{ ignored: string[] }>(res)).ignored).toEqual([
        "voice_request_min_interval",
      ]);
    }
  });

  it("destroys the room with a reason and an alternate; users are told and the bot forgets it", async () => {
    await tryToEnter(alice, team, "alice");
    const alternate = `new-team@${server.mucDomain}`;
    const res = await api(
      `/rooms/${team}?destroy=true&reason=${encodeURIComponent("moving on")}&alternate=${alternate}`,
      { method: "DELETE" },
    );
    expect(res.status).toBe(204);
    const told = await alice.waitFor(
      (s) =>
        s.name === "presence" &&
        s.attrs.from === `${team}/alice` &&
        s.attrs.type === "unavailable" &&
        mucItem(s).destroy !== undefined,
      10_000,
      "the destruction",
    );
    const destroy = mucItem(told).destroy;
    expect(destroy?.attrs.jid).toBe(alternate);
    expect(destroy?.getChildText("reason")).toBe("moving on");
    const event = await nextEvent(roomEvent("destroyed", team));
    expect(event.stanza.room_event).toMatchObject({ reason: "moving on", alternate });

    const rooms = await json<{ rooms: { room: string }[] }>(await api("/rooms"));
    expect(rooms.rooms.map((r) => r.room)).not.toContain(team);
    expect((await api(`/rooms/${team}`)).status).toBe(409);
    // Prosody keeps a destroyed room's tombstone (gone, XEP-0045 §10.9); ejabberd forgets it.
    expect(errorCondition(await roomInfo(alice, team))).toBe(
      server.kind === "prosody" ? "gone" : "item-not-found",
    );
  });
});
