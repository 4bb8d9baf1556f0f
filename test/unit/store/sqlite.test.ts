import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  GLOBAL_STREAM,
  openStore,
  type Store,
  StoreFullError,
  StoreOpenError,
} from "../../../src/store/index.js";
import { SCHEMA_VERSION } from "../../../src/store/migrations.js";

let dir: string;
let stores: Store[];

const open = (name = "store.db", options = {}) => {
  const store = openStore(join(dir, name), options);
  stores.push(store);
  return store;
};

const event = (n: number, conversation = "a@x\nbot@rest") => ({
  stream: GLOBAL_STREAM,
  kind: "message",
  stanza: `<message from="a@x" to="bot@rest"><body>${n}</body></message>`,
  conversation,
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "xmpp-rest-store-"));
  stores = [];
});

afterEach(async () => {
  for (const store of stores) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the SQLite store", () => {
  it("appends events with increasing ids and keeps them across a reopen", async () => {
    let store = open();
    const first = await store.append([event(1), event(2)], 1_000);
    const second = await store.append([event(3)], 2_000);
    const ids = [...first, ...second].map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(3);
    const webhookIds = [...first, ...second].map((e) => e.webhookId);
    await store.close();
    store = open();
    const pending = await store.listDeliveries({ state: "pending", limit: 10 });
    expect(pending.map((d) => d.id)).toEqual(ids);
    // The webhook id is the same after a restart.
    expect(pending.map((d) => d.webhookId)).toEqual(webhookIds);
    expect((await store.readEvents(GLOBAL_STREAM, ids[0] ?? 0, 10)).map((e) => e.id)).toEqual(
      ids.slice(1),
    );
  });

  it("records attempts and outcomes, counts the backlog, and requeues dead letters", async () => {
    const store = open();
    const [a, b, c] = await store.append([event(1), event(2), event(3)], 1_000);
    if (!a || !b || !c) throw new Error("append returned too few ids");
    await store.updateDeliveries(
      [
        { id: a.id, state: "delivered", attempts: 1 },
        { id: b.id, state: "failed", attempts: 8, lastError: "HTTP 500" },
        { id: c.id, state: "pending", attempts: 2, nextAttemptAt: 9_000, lastError: "HTTP 503" },
      ],
      5_000,
    );
    expect(await store.backlog()).toEqual({ pending: 1, oldestPendingAt: 1_000, failed: 1 });
    const [dead] = await store.listDeliveries({ state: "failed", limit: 10 });
    expect(dead).toMatchObject({ id: b.id, attempts: 8, lastError: "HTTP 500" });
    const waiting = await store.getDelivery(c.id);
    expect(waiting).toMatchObject({ attempts: 2, nextAttemptAt: 9_000, state: "pending" });

    expect(await store.requeueDelivery(a.id, 6_000)).toBeUndefined();
    const again = await store.requeueDelivery(b.id, 6_000);
    expect(again).toMatchObject({ state: "pending", attempts: 0, nextAttemptAt: 6_000 });
    expect(await store.backlog()).toMatchObject({ pending: 2, failed: 0 });
    const mine = await store.listDeliveries({
      state: "pending",
      conversation: "a@x\nbot@rest",
      after: b.id,
      limit: 10,
    });
    expect(mine.map((d) => d.id)).toEqual([c.id]);
  });

  it("prunes finished deliveries older than the cut-off, in batches, never pending ones", async () => {
    const store = open();
    const appended = await store.append(
      Array.from({ length: 5 }, (_, i) => event(i)),
      1_000,
    );
    const [keep, ...done] = appended.map((e) => e.id);
    await store.updateDeliveries(
      done.map((id) => ({ id, state: "delivered" as const, attempts: 1 })),
      2_000,
    );
    expect(await store.prune(3_000, 3)).toBe(3);
    expect(await store.prune(3_000, 3)).toBe(1);
    expect(await store.prune(3_000, 3)).toBe(0);
    const left = await store.readEvents(GLOBAL_STREAM, 0, 10);
    expect(left.map((e) => e.id)).toEqual([keep]);
  });

  it("refuses a store written by a newer version, with one line", async () => {
    const path = join(dir, "newer.db");
    const db = new Database(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => open("newer.db")).toThrow(StoreOpenError);
    expect(() => open("newer.db")).toThrow(/newer xmpp-rest/);
  });

  it("refuses a file that is not a store", () => {
    writeFileSync(join(dir, "junk.db"), "this is not a database, just text ".repeat(200));
    expect(() => open("junk.db")).toThrow(StoreOpenError);
    expect(() => open("junk.db")).toThrow(/not a usable xmpp-rest store/);
  });

  it.skipIf(process.getuid?.() === 0)("refuses a directory it cannot write", () => {
    const locked = join(dir, "locked");
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    try {
      expect(() => open("locked/store.db")).toThrow(/not writable/);
    } finally {
      chmodSync(locked, 0o700);
    }
  });

  it("can be backed up by another connection while it is open (SQLite online backup)", async () => {
    const store = open();
    await store.append([event(1), event(2)], 1_000);
    const reader = new Database(join(dir, "store.db"), { readonly: true });
    try {
      await reader.backup(join(dir, "backup.db"));
    } finally {
      reader.close();
    }
    const copy = new Database(join(dir, "backup.db"), { readonly: true });
    try {
      expect(copy.prepare("SELECT count(*) AS n FROM events").get()).toEqual({ n: 2 });
    } finally {
      copy.close();
    }
  });

  it("records outcomes given to append in the same commit, and none of them when it fails", async () => {
    const store = open("small.db", { maxPageCount: 40 });
    const [a, b] = await store.append([event(1), event(2)], 1_000);
    if (!a || !b) throw new Error("append returned too few ids");
    const [c] = await store.append([event(3)], 2_000, [
      { id: a.id, state: "delivered", attempts: 1 },
      { id: b.id, state: "pending", attempts: 1, nextAttemptAt: 9_000, lastError: "HTTP 503" },
    ]);
    expect(await store.getDelivery(a.id)).toMatchObject({ state: "delivered", updatedAt: 2_000 });
    expect(await store.getDelivery(b.id)).toMatchObject({ state: "pending", nextAttemptAt: 9_000 });
    expect(await store.getDelivery(c?.id ?? 0)).toMatchObject({ state: "pending", attempts: 0 });

    // A commit that cannot be written takes its outcomes down with it: all or nothing.
    const huge = { ...event(4), stanza: `<message><body>${"x".repeat(400_000)}</body></message>` };
    await expect(
      store.append([huge], 3_000, [{ id: b.id, state: "delivered", attempts: 2 }]),
    ).rejects.toBeInstanceOf(StoreFullError);
    expect(await store.getDelivery(b.id)).toMatchObject({ state: "pending", attempts: 1 });
  });

  it("when full, refuses new events with StoreFullError and keeps what it has", async () => {
    const store = open("small.db", { maxPageCount: 40 });
    const big = (n: number) => ({
      ...event(n),
      stanza: `<message><body>${"x".repeat(3_000)}${n}</body></message>`,
    });
    const kept: number[] = [];
    let full: unknown;
    for (let i = 0; i < 200 && !full; i++) {
      try {
        kept.push(...(await store.append([big(i)], 1_000)).map((e) => e.id));
      } catch (err) {
        full = err;
      }
    }
    expect(full).toBeInstanceOf(StoreFullError);
    expect(kept.length).toBeGreaterThan(0);
    const pending = await store.listDeliveries({ state: "pending", limit: 1_000 });
    expect(pending.map((d) => d.id)).toEqual(kept);
    // Recording outcomes still works, and pruning makes room again.
    await store.updateDeliveries(
      kept.map((id) => ({ id, state: "delivered" as const, attempts: 1 })),
      2_000,
    );
    expect(await store.prune(3_000, 1_000)).toBe(kept.length);
    await expect(store.append([big(999)], 4_000)).resolves.toHaveLength(1);
  });
});
