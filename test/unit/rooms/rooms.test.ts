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
import { NS } from "../../../src/stanza/ns.js";
import { openStore, type Store } from "../../../src/store/index.js";
import { createIqTracker } from "../../../src/xmpp/iq-tracker.js";
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
  // iq replies go to the link's own tracker, as connection.ts takes them off the inbound path.
  const iqs = createIqTracker({ maxPending: 100 });
  const link = fakeLink(
    "rest.localhost",
    (stanza) => {
      sent.push(stanza);
      for (const text of answer(stanza)) {
        const root = parseXmlElement(text).root;
        queueMicrotask(() => (root.name === "iq" ? iqs.handle(root) : inbound.handle(root)));
      }
    },
    iqs,
  );
  const connection = link;
  const owners = createBotOwners(registry, "rest.localhost", connection);
  rooms = createRooms({
    store,
    seats: owners,
    post: async (_owner, message) => {
      await connection.send(message);
      return {};
    },
    log: silentLogger,
    timeoutMs: 2_000,
  });
  const nowhere = { owner() {}, global() {} };
  const routes = {
    servesAddress: (to: { domain: string }) => to.domain === "rest.localhost",
    answered: () => false,
    ownerAt: owners.ownerAt,
  };
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
    const other = () => rooms.list(B).find((r) => r.room === "other@muc.localhost");
    for (let i = 0; i < 100 && other()?.status !== "joined"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(sent.map((s) => s.attrs.to)).toEqual(["other@muc.localhost/B2"]);
    expect(other()).toMatchObject({ nick: "B2", status: "joined" });
  });

  it("refuses to post where the bot is not, saying why", async () => {
    await expect(
      rooms.post(B, ROOM, parseXmlElement("<message><body>x</body></message>").root),
    ).rejects.toMatchObject({ status: 409, text: expect.stringContaining("has not joined") });
  });
});

describe("setting a room up on joining", () => {
  const self = (presence: Element, item: string, codes: number[]) =>
    `<presence from="${presence.attrs.to}" to="b@rest.localhost/rooms"><x xmlns="http://jabber.org/protocol/muc#user">${item}${codes.map((c) => `<status code="${c}"/>`).join("")}</x></presence>`;
  const result = (iq: Element, inner = "") =>
    `<iq type="result" id="${iq.attrs.id}" from="${iq.attrs.to}" to="${iq.attrs.from}">${inner}</iq>`;
  const ownerForm = `<query xmlns="http://jabber.org/protocol/muc#owner"><x xmlns="jabber:x:data" type="form"><field var="FORM_TYPE" type="hidden"><value>http://jabber.org/protocol/muc#roomconfig</value></field><field var="muc#roomconfig_roomname" type="text-single"/><field var="muc#roomconfig_membersonly" type="boolean"/><field var="muc#roomconfig_roomsecret" type="text-private"/></x></query>`;
  /** A room that answers its owner's requests; `item` is the bot's affiliation and role. */
  const room = (item: string, codes: number[]) => (stanza: Element) => {
    if (stanza.name === "presence") {
      return stanza.attrs.type === "unavailable" ? [] : [self(stanza, item, [...codes, 110])];
    }
    if (stanza.name !== "iq") return [];
    const form = stanza.attrs.type === "get" && stanza.getChild("query", NS.mucOwner);
    return [result(stanza, form ? ownerForm : "")];
  };
  const described = (s: Element) => {
    const query = s.getChildren("query")[0];
    const item = query?.getChild("item");
    const parts = [s.name, s.attrs.type ?? "available", query?.attrs.xmlns];
    parts.push(query?.getChild("x")?.attrs.type);
    if (item) parts.push(`${item.attrs.jid}=${item.attrs.affiliation}`);
    return parts.filter((p) => p !== undefined).join(" ");
  };

  it("configures a room it creates from the owner form (no instant room), adds the members, and keeps the password it set", async () => {
    answer = room(`<item affiliation="owner" role="moderator"/>`, [201]);
    const joined = await rooms.join(B, ROOM, {
      nick: "B",
      config: { name: "Team", membersOnly: true, maxOccupants: 9, password: "s3cret" },
      members: ["a@localhost", "c@localhost"],
    });
    expect(joined).toMatchObject({ created: true, ignored: ["maxOccupants"] });
    expect(sent.map(described)).toEqual([
      "presence available",
      `iq get ${NS.mucOwner}`,
      `iq set ${NS.mucOwner} submit`,
      `iq set ${NS.mucAdmin} a@localhost=member`,
      `iq set ${NS.mucAdmin} c@localhost=member`,
    ]);
    const submit = sent[2]?.getChild("query")?.getChild("x");
    const fields = submit
      ?.getChildren("field")
      .map((f) => `${f.attrs.var}=${f.getChildText("value")}`);
    expect(fields).toEqual([
      "FORM_TYPE=http://jabber.org/protocol/muc#roomconfig",
      "muc#roomconfig_roomname=Team",
      "muc#roomconfig_membersonly=1",
      "muc#roomconfig_roomsecret=s3cret",
    ]);
    // The password it gave the room is the one it re-enters with.
    expect((await store.listRooms(ownerId(B)))[0]?.password).toBe("s3cret");
  });

  it("answers 403 to a configuration of a room it does not own, and leaves it again", async () => {
    answer = room(`<item affiliation="none" role="participant"/>`, []);
    const err = await rooms
      .join(B, ROOM, { nick: "B", config: { name: "Mine" } })
      .catch((e: StanzaError) => e);
    expect(err).toMatchObject({ status: 403, condition: "forbidden" });
    expect((err as StanzaError).text).toMatch(/not an owner/);
    expect(sent.map(described)).toEqual(["presence available", "presence unavailable"]);
    expect(rooms.list(B)).toEqual([]);
    expect(await store.listRooms(ownerId(B))).toEqual([]);
  });

  it("answers 504 when the room does not answer an owner's request, and 404 for a nick it has not seen", async () => {
    answer = enters;
    await rooms.join(B, ROOM, { nick: "B" });
    await expect(rooms.config(B, ROOM)).rejects.toMatchObject({
      status: 504,
      condition: "remote-server-timeout",
    });
    await expect(rooms.setRole(B, ROOM, "nobody", "none")).rejects.toMatchObject({
      status: 404,
      condition: "item-not-found",
    });
    await expect(rooms.config(B, "elsewhere@muc.localhost")).rejects.toMatchObject({
      status: 409,
    });
  });
});
