/**
 * What only the SQLite store does (the contract, ./contract.ts, runs in
 * ./sqlite.contract.test.ts): its file, its migrations, its lock, its backups.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  openStore,
  type Store,
  StoreOpenError,
  type StoreTuning,
} from "../../../src/store/index.js";
import { MIGRATIONS, SCHEMA_VERSION } from "../../../src/store/sqlite/migrations.js";

let dir: string;
let stores: Store[];

const open = async (name = "store.db", tuning: StoreTuning = {}) => {
  const store = await openStore(join(dir, name), tuning);
  stores.push(store);
  return store;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "xmpp-rest-store-"));
  stores = [];
});

afterEach(async () => {
  for (const store of stores) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the SQLite store's file", () => {
  it("refuses a store written by a newer version, with one line", async () => {
    const path = join(dir, "newer.db");
    const db = new Database(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    await expect(open("newer.db")).rejects.toThrow(StoreOpenError);
    await expect(open("newer.db")).rejects.toThrow(/newer xmpp-rest/);
  });

  it("refuses a file that is not a store", async () => {
    writeFileSync(join(dir, "junk.db"), "this is not a database, just text ".repeat(200));
    await expect(open("junk.db")).rejects.toThrow(StoreOpenError);
    await expect(open("junk.db")).rejects.toThrow(/not a usable xmpp-rest store/);
  });

  it.skipIf(process.getuid?.() === 0)("refuses a directory it cannot write", async () => {
    const locked = join(dir, "locked");
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    try {
      await expect(open("locked/store.db")).rejects.toThrow(/not writable/);
    } finally {
      chmodSync(locked, 0o700);
    }
  });

  it("is chosen by the form of XMPP_REST_STORE; a PostgreSQL URI that cannot be reached is refused in one line, its password unsaid", async () => {
    for (const uri of [
      "postgres://u:secret@127.0.0.1:1/x",
      "postgresql://u:secret@127.0.0.1:1/x",
    ]) {
      const opening = openStore(uri);
      await expect(opening).rejects.toThrow(StoreOpenError);
      await expect(opening).rejects.toThrow(
        /^store postgres(ql)?:\/\/u@127\.0\.0\.1:1\/x: cannot reach the database/,
      );
      await expect(opening).rejects.not.toThrow(/secret/);
    }
    const memory = await openStore(":memory:");
    stores.push(memory);
    expect(memory.volatile).toBe(true);
    expect((await open()).volatile).toBe(false);
  });

  it("migrates a version 3 store: bot names and the global stream become owner ids, its backlog stays deliverable", async () => {
    const path = join(dir, "old.db");
    const db = new Database(path);
    db.transaction(() => {
      for (const migration of MIGRATIONS.filter((m) => m.version <= 3)) db.exec(migration.sql);
      db.pragma("user_version = 3");
      db.exec(`
        INSERT INTO meta VALUES ('store-id', 'abc123');
        INSERT INTO events (id, stream, time, kind, stanza) VALUES
          (1, '', 10, 'message', '<message id="g"/>'),
          (2, 'echo', 20, 'message', '<message id="e"/>');
        INSERT INTO deliveries (event_id, conversation, state, next_attempt_at, updated_at)
          VALUES (1, 'a@x' || char(10) || 'rest', 'pending', 10, 10);
        INSERT INTO bots (name, token_hashes, created_at, updated_at) VALUES ('echo', '[]', 1, 2);
        INSERT INTO bot_positions VALUES ('echo', 2);
        INSERT INTO history (bot, direction, peer, sender, recipient, type, body, stanza, time)
          VALUES ('echo', 'in', 'a@x', 'a@x/r', 'echo@rest', 'chat', 'hi', '<message/>', 30);
        INSERT INTO rooms VALUES ('echo', 'lobby@muc', 'Echo', NULL, 40);
        INSERT INTO room_messages (bot, room, nick, sender, body, stanza, time)
          VALUES ('echo', 'lobby@muc', 'al', 'lobby@muc/al', 'yo', '<message/>', 50);
      `);
    })();
    db.close();

    const store = await open("old.db");
    expect(store.storeId).toBe("abc123");
    expect((await store.readEvents("global", "0", 10)).map((e) => e.id)).toEqual(["1"]);
    expect((await store.readEvents("bot:echo", "0", 10)).map((e) => e.id)).toEqual(["2"]);
    expect(await store.ackedEventId("bot:echo")).toBe("2");
    expect(await store.getBot("echo")).toMatchObject({ createdAt: 1, updatedAt: 2 });
    expect((await store.pageHistory("bot:echo", { limit: 10 })).entries.map((e) => e.body)).toEqual(
      ["hi"],
    );
    expect(await store.listRooms("bot:echo")).toEqual([
      { owner: "bot:echo", room: "lobby@muc", nick: "Echo", joinedAt: 40 },
    ]);
    const said = await store.pageRoomMessages("bot:echo", "lobby@muc", { limit: 10 });
    expect(said.messages.map((m) => m.body)).toEqual(["yo"]);
    const claimed = await store.claimDeliveries({
      claimant: "q",
      leaseMs: 1_000,
      stream: "global",
      limit: 10,
    });
    expect(claimed.deliveries.map((d) => [d.id, d.stream])).toEqual([["1", "global"]]);
    expect(await store.backlog("global")).toMatchObject({ pending: 1 });
    expect(await store.deleteBot("echo", "bot:echo")).toBe(true);
    expect(await store.readEvents("bot:echo", "0", 10)).toEqual([]);
  });
});

describe("one process per SQLite file", () => {
  it("refuses a second opening of a file in use, with one line naming the file and who holds it", async () => {
    await open();
    const second = open();
    await expect(second).rejects.toThrow(StoreOpenError);
    await expect(second).rejects.toThrow(
      new RegExp(
        `store ${join(dir, "store.db")}: in use by another xmpp-rest \\(pid ${process.pid} on ${hostname()}`,
      ),
    );
    const holder = JSON.parse(readFileSync(join(dir, "store.db.pid"), "utf8")) as { pid: number };
    expect(holder.pid).toBe(process.pid);
  });

  it("lets the next one open the file once the holder closed it", async () => {
    const first = await open();
    await first.close();
    const second = await open();
    expect(second.volatile).toBe(false);
  });

  it("takes over the file of a process that was killed (the lock dies with it)", async () => {
    const path = join(dir, "store.db");
    // Another process takes the lock and is killed with it held.
    const script = `
      const Database = require(${JSON.stringify(createRequire(import.meta.url).resolve("better-sqlite3"))});
      const db = new Database(${JSON.stringify(`${path}.lock`)});
      db.pragma("locking_mode = EXCLUSIVE");
      db.exec("BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS held (since TEXT); COMMIT");
      process.kill(process.pid, "SIGKILL");
    `;
    const killed = spawnSync(process.execPath, ["-e", script]);
    expect(killed.signal).toBe("SIGKILL");
    const store = await open();
    expect(store.location).toBe(path);
  });

  it("needs no lock in memory", async () => {
    stores.push(await openStore(":memory:"), await openStore(":memory:"));
  });
});

describe("backups while the store is open", () => {
  it("can be backed up by another connection (SQLite online backup)", async () => {
    const store = await open();
    await store.append({
      stream: "global",
      kind: "message",
      stanza: "<message/>",
      conversation: "c",
    });
    await store.append({
      stream: "global",
      kind: "message",
      stanza: "<message/>",
      conversation: "c",
    });
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

  const sqlite3 = spawnSync("sqlite3", ["-version"]).status === 0;
  it.skipIf(!sqlite3)("can be backed up with the sqlite3 command, as the README says", async () => {
    const store = await open();
    await store.append({
      stream: "global",
      kind: "message",
      stanza: "<message/>",
      conversation: "c",
    });
    const backup = join(dir, "backup.sqlite");
    execFileSync("sqlite3", [join(dir, "store.db"), `.backup '${backup}'`]);
    // The copy is a store of its own: it opens (and locks) while the original runs.
    const copy = await openStore(backup);
    stores.push(copy);
    expect(copy.storeId).toBe(store.storeId);
    expect(await copy.readEvents("global", "0", 10)).toHaveLength(1);
  });
});
