import type { Element } from "@xmpp/xml";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createBotOwners } from "../../../src/bots/owners.js";
import { type BotRegistry, createBotRegistry } from "../../../src/bots/registry.js";
import { parseXmlElement } from "../../../src/formats/xml.js";
import { createInbound, type Inbound } from "../../../src/inbound/index.js";
import { silentLogger } from "../../../src/log.js";
import { botOwner, ownerId } from "../../../src/owner.js";
import { createRooms, type Rooms } from "../../../src/rooms/index.js";
import type { StanzaError } from "../../../src/stanza/errors.js";
import { openStore, type Store } from "../../../src/store/index.js";
import { fakeLink } from "../../helpers/fake-link.js";

const ROOM = "lobby@muc.localhost";
const B = botOwner("b");
let store: Store;
let inbound: Inbound;
let registry: BotRegistry;
let rooms: Rooms;
let sent: Element[];
/** What the fake room answers a join presence with (nothing: it stays silent). */
let answer: (presence: Element) => string[];

beforeEach(async () => {
  store = await openStore(":memory:");
  registry = createBotRegistry({
    domain: "rest.localhost",
    adminTokens: [],
    configured: { b: { tokens: ["b-token-0123456789abc"] } },
    store,
    log: silentLogger,
  });
  await registry.load();
  sent = [];
  answer = () => [];
  const link = fakeLink("rest.localhost", (stanza) => {
    sent.push(stanza);
    for (const text of answer(stanza)) {
      queueMicrotask(() => inbound.handle(parseXmlElement(text).root));
    }
  });
  const connection = link;
  const owners = createBotOwners(registry, "rest.localhost", connection);
  rooms = createRooms({
    store,
    seats: owners,
    post: (_owner, message) => connection.send(message),
    log: silentLogger,
    timeoutMs: 2_000,
  });
  const nowhere = { owner() {}, global() {} };
  const routes = { domain: "rest.localhost", answered: () => false, ownerAt: owners.ownerAt };
  inbound = createInbound({ ...routes, rooms: rooms.handle }, nowhere, silentLogger);
});
afterEach(async () => {
  rooms.stop();
  await store.close();
});

const enters = (presence: Element) =>
  presence.attrs.type === "unavailable"
    ? []
    : [
        `<presence from="${presence.attrs.to}" to="b@rest.localhost/rooms"><x xmlns="http://jabber.org/protocol/muc#user"><item role="participant" affiliation="none"/><status code="110"/></x></presence>`,
        `<message type="groupchat" from="${ROOM}" to="b@rest.localhost/rooms"><subject>Hi</subject></message>`,
      ];

describe("joining and leaving", () => {
  it("joins once, answers the same join again without sending, and keeps the room", async () => {
    answer = enters;
    const first = await rooms.join(B, ROOM, { nick: "B" });
    expect(first.room).toMatchObject({ nick: "B", status: "joined", subject: "Hi" });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.attrs).toMatchObject({ from: "b@rest.localhost/rooms", to: `${ROOM}/B` });
    const again = await rooms.join(B, ROOM, { nick: "B" });
    expect(again.room.status).toBe("joined");
    expect(sent).toHaveLength(1);
    expect((await store.listRooms(ownerId(B))).map((r) => r.nick)).toEqual(["B"]);
  });

  it("ends a join under way when the bot leaves, and sends the leave after the join", async () => {
    const joining = rooms.join(B, ROOM, { nick: "B" });
    const failed = joining.then(
      () => undefined,
      (err: StanzaError) => err,
    );
    await new Promise((resolve) => setImmediate(resolve));
    await rooms.leave(B, ROOM);
    const err = await failed;
    expect(err?.status).toBe(409);
    expect(sent.map((s) => s.attrs.type ?? "available")).toEqual(["available", "unavailable"]);
    expect(rooms.list(B)).toEqual([]);
    expect(await store.listRooms(ownerId(B))).toEqual([]);
  });

  it("reads the rooms again when asked (another process held the link): joined elsewhere added and entered, left elsewhere dropped", async () => {
    answer = enters;
    await rooms.join(B, ROOM, { nick: "B" });
    // Meanwhile, through another process: this room left, another joined.
    await store.deleteRoom(ownerId(B), ROOM);
    await store.putRoom({
      owner: ownerId(B),
      room: "other@muc.localhost",
      nick: "B2",
      joinedAt: 1,
    });
    sent = [];
    answer = (presence) => {
      const to = presence.attrs.to ?? "";
      const room = to.split("/")[0];
      return [
        `<presence from="${to}" to="b@rest.localhost/rooms"><x xmlns="http://jabber.org/protocol/muc#user"><item role="participant" affiliation="none"/><status code="110"/></x></presence>`,
        `<message type="groupchat" from="${room}" to="b@rest.localhost/rooms"><subject>Hi</subject></message>`,
      ];
    };
    await rooms.load();
    // The room this process had entered stays until told otherwise by its own link.
    expect(rooms.list(B).map((r) => r.room)).toEqual([
      "lobby@muc.localhost",
      "other@muc.localhost",
    ]);
    for (let i = 0; i < 100 && rooms.get(B, "other@muc.localhost").status !== "joined"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(sent.map((s) => s.attrs.to)).toEqual(["other@muc.localhost/B2"]);
    expect(rooms.get(B, "other@muc.localhost")).toMatchObject({ nick: "B2", status: "joined" });
  });

  it("refuses to post where the bot is not, saying why", async () => {
    await expect(
      rooms.post(B, ROOM, parseXmlElement("<message><body>x</body></message>").root),
    ).rejects.toMatchObject({ status: 409, text: expect.stringContaining("has not joined") });
  });
});
