import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StoreFullError } from "../../../src/store/index.js";
import { createWriter } from "../../../src/store/sqlite/writer.js";

let dir: string;
let db: Database.Database;
/** The `synchronous` settings each commit ran under, in order. */
let syncs: string[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "xmpp-rest-writer-"));
  db = new Database(join(dir, "w.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
  syncs = [];
  const pragma = db.pragma.bind(db);
  db.pragma = ((source: string, options?: Database.PragmaOptions) => {
    if (source.startsWith("synchronous =")) syncs.push(source);
    return pragma(source, options);
  }) as typeof db.pragma;
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const insert = (v: string) => () =>
  Number(db.prepare("INSERT INTO t (v) VALUES (?)").run(v).lastInsertRowid);
const rows = () => db.prepare("SELECT v FROM t ORDER BY id").pluck().all();

describe("the SQLite writer", () => {
  it("commits one turn's appends and progress in one durable commit", async () => {
    const writer = createWriter(db, { location: "w.db", synchronous: "FULL" });
    const done = await Promise.all([
      writer.batched(insert("append"), true),
      writer.batched(insert("outcome"), false),
    ]);
    expect(done).toEqual([1, 2]);
    // A commit with appends keeps synchronous=FULL: no switch at all.
    expect(syncs).toEqual([]);
  });

  it("commits a turn of progress only without the log sync", async () => {
    const writer = createWriter(db, { location: "w.db", synchronous: "FULL" });
    await Promise.all([writer.batched(insert("a"), false), writer.batched(insert("b"), false)]);
    expect(syncs).toEqual(["synchronous = NORMAL", "synchronous = FULL"]);
    expect(rows()).toEqual(["a", "b"]);
  });

  it("runs a read or a write of its own after what is batched", async () => {
    const writer = createWriter(db, { location: "w.db", synchronous: "FULL" });
    const appended = writer.batched(insert("first"), true);
    expect(await writer.read(rows)).toEqual(["first"]);
    expect(await writer.write(insert("second"))).toBe(2);
    expect(await appended).toBe(1);
  });

  it("keeps one commit a turn after an early flush (a read) committed what was batched", async () => {
    const writer = createWriter(db, { location: "w.db", synchronous: "FULL" });
    const first = writer.batched(insert("a"), false);
    await writer.read(rows);
    await first;
    syncs = [];
    // One op now, one from a callback of the next turn's check phase: one commit for both.
    const later = new Promise<unknown>((resolve) =>
      setImmediate(() => resolve(writer.batched(insert("c"), false))),
    );
    const now = writer.batched(insert("b"), false);
    await Promise.all([now, later]);
    expect(rows()).toEqual(["a", "b", "c"]);
    expect(syncs).toEqual(["synchronous = NORMAL", "synchronous = FULL"]);
  });

  it("fails the appends of a failed commit and records its progress in a commit of its own", async () => {
    db.pragma("max_page_count = 4");
    const writer = createWriter(db, { location: "w.db", synchronous: "FULL" });
    const [big, progress] = await Promise.allSettled([
      writer.batched(insert("x".repeat(100_000)), true),
      writer.batched(insert("progress"), false),
    ]);
    expect(big).toMatchObject({ status: "rejected", reason: expect.any(StoreFullError) });
    expect(progress).toMatchObject({ status: "fulfilled" });
    expect(rows()).toEqual(["progress"]);
  });

  it("rejects only the op whose own follow-up failed", async () => {
    const writer = createWriter(db, { location: "w.db", synchronous: "FULL" });
    const [bad, good] = await Promise.allSettled([
      writer.batched(insert("a"), true, () => {
        throw new Error("listener");
      }),
      writer.batched(insert("b"), true),
    ]);
    expect(bad).toMatchObject({ status: "rejected", reason: new Error("listener") });
    expect(good).toMatchObject({ status: "fulfilled", value: 2 });
    expect(rows()).toEqual(["a", "b"]);
  });
});
