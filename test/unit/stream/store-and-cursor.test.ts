import { describe, expect, it } from "vitest";
import type { HistoryInput } from "../../../src/store/bots.js";
import { openStore } from "../../../src/store/index.js";
import { createCursor } from "../../../src/stream/cursor.js";
import { startPosition } from "../../../src/stream/position.js";

const TIME = "2026-11-24T09:00:00.000Z";

describe("the event log", () => {
  it("reads after a position, per bot, oldest first, at most limit", async () => {
    const store = openStore(":memory:");
    const a1 = await store.appendBotEvent("a", "<message/>", TIME);
    await store.appendBotEvent("b", "<message/>", TIME);
    const a2 = await store.appendBotEvent("a", "<presence/>", TIME);
    const a3 = await store.appendBotEvent("a", "<iq/>", TIME);
    expect((await store.readBotEvents("a", "0", 10)).map((e) => e.id)).toEqual([
      a1.id,
      a2.id,
      a3.id,
    ]);
    expect((await store.readBotEvents("a", a1.id, 1)).map((e) => e.id)).toEqual([a2.id]);
    expect(await store.lastBotEventId("a")).toBe(a3.id);
    expect(await store.lastBotEventId("nobody")).toBe("0");
  });

  it("acknowledges forward only, never past the newest event", async () => {
    const store = openStore(":memory:");
    const e1 = await store.appendBotEvent("a", "<message/>", TIME);
    const e2 = await store.appendBotEvent("a", "<message/>", TIME);
    expect(await startPosition(store, "a", undefined)).toBe("0");
    expect(await startPosition(store, "a", e2.id)).toBe(e2.id);
    expect(await store.ackedEventId("a")).toBe(e2.id);
    await startPosition(store, "a", e1.id);
    expect(await store.ackedEventId("a")).toBe(e2.id);
    await startPosition(store, "a", "999999");
    expect(await store.ackedEventId("a")).toBe(e2.id);
    expect(await startPosition(store, "a", undefined)).toBe(e2.id);
  });
});

describe("a cursor", () => {
  it("returns waiting events at once, and wakes up when one is appended", async () => {
    const store = openStore(":memory:");
    await store.appendBotEvent("a", "<message id='1'/>", TIME);
    const cursor = createCursor(store, "a", "0");
    expect(await cursor.next(10, 0)).toHaveLength(1);
    const waiting = cursor.next(10, 60_000);
    await store.appendBotEvent("a", "<message id='2'/>", TIME);
    const [event] = await waiting;
    expect(event?.stanza).toContain("id='2'");
    expect(cursor.position).toBe(event?.id);
    cursor.close();
  });

  it("returns [] when aborted or when the wait ends", async () => {
    const store = openStore(":memory:");
    const cursor = createCursor(store, "a", "0");
    const abort = new AbortController();
    const waiting = cursor.next(10, 60_000, abort.signal);
    abort.abort();
    expect(await waiting).toEqual([]);
    expect(await cursor.next(10, 1)).toEqual([]);
    cursor.close();
  });
});

describe("history pages", () => {
  const entry = (n: number, peer: string, direction: "in" | "out"): HistoryInput => ({
    bot: "a",
    direction,
    peer,
    from: direction === "in" ? peer : "a@rest.example.org",
    to: direction === "in" ? "a@rest.example.org" : peer,
    type: "chat",
    body: `m${n}`,
    stanza: "<message/>",
    time: TIME,
  });

  it("pages newest first both ways and says whether more pages exist", async () => {
    const store = openStore(":memory:");
    for (let n = 1; n <= 5; n++)
      await store.appendHistory(entry(n, "alice@x", n % 2 ? "in" : "out"));
    await store.appendHistory(entry(6, "bob@x", "in"));
    const newest = await store.pageHistory("a", { with: "alice@x", limit: 2 });
    expect(newest.entries.map((e) => e.body)).toEqual(["m5", "m4"]);
    expect(newest).toMatchObject({ hasOlder: true, hasNewer: false });
    const older = await store.pageHistory("a", {
      with: "alice@x",
      limit: 2,
      before: newest.entries[1]?.id,
    });
    expect(older.entries.map((e) => e.body)).toEqual(["m3", "m2"]);
    expect(older).toMatchObject({ hasOlder: true, hasNewer: true });
    const forward = await store.pageHistory("a", { limit: 2, after: older.entries[1]?.id });
    expect(forward.entries.map((e) => e.body)).toEqual(["m4", "m3"]);
    const everyone = await store.pageHistory("a", { limit: 10 });
    expect(everyone.entries[0]?.body).toBe("m6");
  });
});
