import { describe, expect, it } from "vitest";
import { openStore } from "../../../src/store/index.js";
import { createCursor } from "../../../src/stream/cursor.js";
import { startPosition } from "../../../src/stream/position.js";

const STREAM = "bot:a";
const logged = (stanza: string) => ({ stream: STREAM, kind: "message" as const, stanza });

describe("a start position", () => {
  it("acknowledges forward only, never past the newest event", async () => {
    const store = await openStore(":memory:");
    const e1 = await store.append(logged("<message/>"));
    const e2 = await store.append(logged("<message/>"));
    expect(await startPosition(store, STREAM, undefined)).toBe("0");
    expect(await startPosition(store, STREAM, e2.id)).toBe(e2.id);
    expect(await store.ackedEventId(STREAM)).toBe(e2.id);
    await startPosition(store, STREAM, e1.id);
    expect(await store.ackedEventId(STREAM)).toBe(e2.id);
    await startPosition(store, STREAM, "999999");
    expect(await store.ackedEventId(STREAM)).toBe(e2.id);
    expect(await startPosition(store, STREAM, undefined)).toBe(e2.id);
    await store.close();
  });
});

describe("a cursor", () => {
  it("returns waiting events at once, and wakes up when one is appended", async () => {
    const store = await openStore(":memory:");
    await store.append(logged("<message id='1'/>"));
    const cursor = createCursor(store, STREAM, "0");
    expect(await cursor.next(10, 0)).toHaveLength(1);
    const waiting = cursor.next(10, 60_000);
    await store.append({ ...logged("<message id='2'/>"), stream: "bot:other" });
    await store.append(logged("<message id='2'/>"));
    const [event] = await waiting;
    expect(event?.stanza).toContain("id='2'");
    expect(cursor.position).toBe(event?.id);
    cursor.close();
    await store.close();
  });

  it("returns [] when aborted or when the wait ends", async () => {
    const store = await openStore(":memory:");
    const cursor = createCursor(store, STREAM, "0");
    const abort = new AbortController();
    const waiting = cursor.next(10, 60_000, abort.signal);
    abort.abort();
    expect(await waiting).toEqual([]);
    expect(await cursor.next(10, 1)).toEqual([]);
    cursor.close();
    await store.close();
  });
});
