import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore, type Store } from "../../../src/store/index.js";

let dir: string;
let store: Store;
const ROOM = "lobby@muc.localhost";

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "xmpp-rest-rooms-store-"));
  store = openStore(join(dir, "store.db"));
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const say = (bot: string, room: string, body: string, time = new Date().toISOString()) =>
  store.appendRoomMessage({
    bot,
    room,
    nick: "alice",
    from: `${room}/alice`,
    body,
    stanza: `<message type="groupchat"><body>${body}</body></message>`,
    time,
  });

describe("rooms in the store", () => {
  it("keeps the rooms a bot joined across a reopen, until it leaves", async () => {
    const joinedAt = "2026-11-24T12:00:00.000Z";
    await store.putRoom({ bot: "b", room: ROOM, nick: "Bot", password: "pw", joinedAt });
    await store.putRoom({ bot: "b", room: ROOM, nick: "Bot2", joinedAt: new Date().toISOString() });
    await store.putRoom({ bot: "c", room: ROOM, nick: "C", joinedAt });
    await store.close();
    store = openStore(join(dir, "store.db"));
    expect(await store.listRooms("b")).toEqual([{ bot: "b", room: ROOM, nick: "Bot2", joinedAt }]);
    expect((await store.listRooms()).map((r) => r.bot)).toEqual(["b", "c"]);
    expect(await store.deleteRoom("b", ROOM)).toBe(true);
    expect(await store.deleteRoom("b", ROOM)).toBe(false);
    expect(await store.listRooms("b")).toEqual([]);
  });

  it("pages a room's messages newest first, per bot and room", async () => {
    for (const n of [1, 2, 3, 4, 5]) await say("b", ROOM, `m${n}`);
    await say("b", "other@muc.localhost", "elsewhere");
    await say("c", ROOM, "another bot");
    const first = await store.pageRoomMessages("b", ROOM, { limit: 2 });
    expect(first.messages.map((m) => m.body)).toEqual(["m5", "m4"]);
    expect(first).toMatchObject({ hasOlder: true, hasNewer: false });
    const oldest = first.messages[1]?.id ?? "";
    const second = await store.pageRoomMessages("b", ROOM, { before: oldest, limit: 2 });
    expect(second.messages.map((m) => m.body)).toEqual(["m3", "m2"]);
    const last = await store.pageRoomMessages("b", ROOM, {
      before: second.messages[1]?.id,
      limit: 2,
    });
    expect(last.messages.map((m) => m.body)).toEqual(["m1"]);
    expect(last).toMatchObject({ hasOlder: false, hasNewer: true });
    const forward = await store.pageRoomMessages("b", ROOM, { after: oldest, limit: 10 });
    expect(forward.messages.map((m) => m.body)).toEqual(["m5"]);
    expect(first.messages[0]).toMatchObject({ nick: "alice", from: `${ROOM}/alice` });
  });

  it("forgets a deleted bot's rooms and messages, and prunes old messages", async () => {
    await store.putBot({
      name: "b",
      tokenHashes: [],
      autoJoinOnInvite: true,
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    });
    expect((await store.getBot("b"))?.autoJoinOnInvite).toBe(true);
    await store.putRoom({ bot: "b", room: ROOM, nick: "B", joinedAt: new Date().toISOString() });
    await say("b", ROOM, "old", "2020-01-01T00:00:00.000Z");
    await say("b", ROOM, "new");
    expect(await store.pruneBots("2021-01-01T00:00:00.000Z", 100)).toBe(1);
    const page = await store.pageRoomMessages("b", ROOM, { limit: 10 });
    expect(page.messages.map((m) => m.body)).toEqual(["new"]);
    await store.deleteBot("b");
    expect(await store.listRooms("b")).toEqual([]);
    expect((await store.pageRoomMessages("b", ROOM, { limit: 10 })).messages).toEqual([]);
  });
});
