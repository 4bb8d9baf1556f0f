import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  FencedError,
  openStore,
  type Store,
  type StoreSettings,
  StoreUnavailableError,
} from "../../../src/store/index.js";
import { MIGRATIONS, SCHEMA_VERSION } from "../../../src/store/postgres/migrations.js";
import { type Postgres, startPostgres } from "../../helpers/postgres.js";

/**
 * What the PostgreSQL store does beyond the contract (test/unit/store/contract.ts): several
 * processes on one database. Each store opened here is one process's.
 */
let server: Postgres;
const stores: Store[] = [];

beforeAll(async () => {
  server = await startPostgres();
});

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

afterAll(async () => {
  await server?.stop();
});

type Processes<N extends 1 | 2 | 3> = N extends 1
  ? [Store]
  : N extends 2
    ? [Store, Store]
    : [Store, Store, Store];

/** `count` processes' stores on one new database. */
async function processes<N extends 1 | 2 | 3>(
  count: N,
  settings: StoreSettings = {},
): Promise<{ uri: string; stores: Processes<N> }> {
  const uri = await server.createDatabase();
  const opened: Store[] = [];
  for (let i = 0; i < count; i++) {
    const store = await openStore(uri, {}, settings);
    stores.push(store);
    opened.push(store);
  }
  return { uri, stores: opened as Processes<N> };
}

const cluster = (store: Store) => {
  if (!store.cluster) throw new Error("no cluster part");
  return store.cluster;
};

const event = (n: number) => ({
  stream: "bot:b",
  kind: "message" as const,
  stanza: `<message><body>${n}</body></message>`,
});

/** Resolves with the payloads of a channel's next `count` rings. */
function rings(store: Store, channel: "bots" | "answers" | "outbox" | "lease", count = 1) {
  const got: string[] = [];
  return new Promise<string[]>((resolve) => {
    const off = cluster(store).on(channel, (payload) => {
      got.push(payload);
      if (got.length < count) return;
      off();
      resolve(got);
    });
  });
}

describe("the PostgreSQL store, several processes", () => {
  it("gives the link's lease to one process at a time, on the database's clock", async () => {
    const {
      stores: [a, b],
    } = await processes(2);
    const taken = await cluster(a).leases.acquire("link", 5_000, "http://a");
    expect(taken).toMatchObject({ name: "link", epoch: "1", because: "free" });
    expect(await cluster(b).leases.acquire("link", 5_000)).toBeUndefined();
    expect(await cluster(b).leases.read("link")).toMatchObject({
      holder: cluster(a).instance,
      epoch: "1",
      url: "http://a",
    });
    if (!taken) throw new Error("not taken");
    expect(await cluster(a).leases.renew(taken, 5_000)).toBe(true);
    // Expired: anyone may take it, with the next epoch; the old one's renewals fail.
    await cluster(a).leases.renew(taken, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await cluster(b).leases.acquire("link", 5_000)).toMatchObject({
      epoch: "2",
      previous: cluster(a).instance,
      because: "expired",
    });
    expect(await cluster(a).leases.renew(taken, 5_000)).toBe(false);
  });

  it("lets another process take the lease at once when its holder's session is gone", async () => {
    const {
      uri,
      stores: [a],
    } = await processes(1);
    const b = await openStore(uri);
    stores.push(b);
    await cluster(a).leases.acquire("link", 60_000);
    const holder = cluster(a).instance;
    expect(await cluster(b).leases.alive()).toEqual(
      expect.arrayContaining([holder, cluster(b).instance]),
    );
    // The holder's process ends without giving anything back (its session closes with it).
    await server.query(
      `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'
       AND classid = ${0x78722d73} AND objsubid = 2 AND objid = (
         SELECT lock FROM instances WHERE instance = '${holder}')::oid`,
      uri.split("/").pop(),
    );
    const taken = await cluster(b).leases.acquire("link", 60_000);
    expect(taken).toMatchObject({ epoch: "2", previous: holder, because: "holder gone" });
  });

  it("hands the lease to a named successor: only it may take the released lease for a while", async () => {
    const {
      stores: [a, b, c],
    } = await processes(3);
    const lease = await cluster(a).leases.acquire("link", 5_000);
    if (!lease) throw new Error("not taken");
    const rung = rings(b, "lease");
    await cluster(a).leases.handover(lease, cluster(b).instance);
    expect(await rung).toEqual(["link"]);
    expect((await cluster(b).leases.read("link")).successor).toBe(cluster(b).instance);
    await cluster(a).leases.release(lease, 60_000);
    expect(await cluster(c).leases.acquire("link", 5_000)).toBeUndefined();
    expect(await cluster(b).leases.acquire("link", 5_000)).toMatchObject({
      epoch: "2",
      because: "released",
    });
  });

  it("fences the holder's appends and room message changes: refused once the lease is another's, or held by nobody here", async () => {
    const {
      stores: [a, b],
    } = await processes(2);
    const lease = await cluster(a).leases.acquire("link", 5_000);
    cluster(a).fence(lease);
    const first = await a.append(event(1));
    // B takes the lease over (expired): A's next append is refused, nothing of it written.
    if (lease) await cluster(a).leases.renew(lease, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const taken = await cluster(b).leases.acquire("link", 5_000);
    cluster(b).fence(taken);
    await expect(a.append(event(2))).rejects.toBeInstanceOf(FencedError);
    // What it hears in a room, and the changes to it, are the holder's too.
    const retraction = { kind: "delete", time: 1 } as const;
    await expect(
      a.amendRoomMessage("bot:b", "r@muc", { by: "stanza", id: "s1" }, retraction),
    ).rejects.toBeInstanceOf(FencedError);
    // Progress (an ack) is nobody's privilege.
    await a.acknowledge("bot:b", first.id);
    const second = await b.append(event(3));
    expect((await b.readEvents("bot:b", "0", 10)).map((e) => e.id)).toEqual([first.id, second.id]);
    cluster(b).fence(undefined);
    await expect(b.append(event(4))).rejects.toBeInstanceOf(FencedError);
  });

  it("wakes another process's readers of a stream when the holder appends to it", async () => {
    const {
      stores: [a, b],
    } = await processes(2);
    const woken = new Promise<void>((resolve) => {
      const off = b.watchEvents("bot:b", () => {
        off();
        resolve();
      });
    });
    const appended = await a.append(event(1));
    await woken;
    expect((await b.readEvents("bot:b", "0", 10)).map((e) => e.id)).toEqual([appended.id]);
  });

  it("rings the other processes when a bot changes, never the one that changed it", async () => {
    const {
      stores: [a, b],
    } = await processes(2);
    const heardByA: string[] = [];
    cluster(a).on("bots", (name) => heardByA.push(name));
    const heard = rings(b, "bots", 2);
    await a.putBot({ name: "echo", tokenHashes: [], createdAt: 1, updatedAt: 1 });
    await a.deleteBot("echo", "bot:echo");
    expect(await heard).toEqual(["echo", "echo"]);
    expect(heardByA).toEqual([]);
  });

  it("keeps stanzas in the outbox for the holder: taken in order, resent until done, iq answers to their waiter", async () => {
    const {
      stores: [a, b],
    } = await processes(2);
    const lease = await cluster(a).leases.acquire("link", 5_000);
    cluster(a).fence(lease);
    const rung = rings(a, "outbox");
    const m1 = await cluster(b).outbox.add({ stanza: "<message id='1'/>", kind: "message" });
    const iq = await cluster(b).outbox.add({
      stanza: "<iq id='q' type='get'/>",
      kind: "iq",
      waiter: cluster(b).instance,
      responder: "localhost",
      stanzaId: "q",
      deadline: Date.now() + 60_000,
    });
    await rung;
    expect(await cluster(a).outbox.depth()).toBe(2);
    const taken = await cluster(a).outbox.take(10);
    expect(taken.map((e) => e.id)).toEqual([m1, iq]);
    expect(taken[1]).toMatchObject({ kind: "iq", waiter: cluster(b).instance, stanzaId: "q" });
    expect(await cluster(a).outbox.take(10)).toEqual([]);
    // The link dropped before the barrier came back: written rows go again.
    expect(await cluster(a).outbox.resend()).toBe(2);
    expect((await cluster(a).outbox.take(10)).map((e) => e.id)).toEqual([m1, iq]);
    await cluster(a).outbox.done([m1]);
    const answered = rings(b, "answers");
    await cluster(a).outbox.answer(iq, { reply: "<iq id='q' type='result'/>", results: [] });
    expect(await answered).toEqual([iq]);
    expect(await cluster(b).outbox.collect(iq)).toEqual({
      reply: "<iq id='q' type='result'/>",
      results: [],
    });
    expect(await cluster(b).outbox.collect(iq)).toBeUndefined();
    expect(await cluster(a).outbox.depth()).toBe(0);
  });

  it("refuses to take or resend rows for a process that does not hold the lease", async () => {
    const {
      stores: [a],
    } = await processes(1);
    cluster(a).fence(undefined);
    await cluster(a).outbox.add({ stanza: "<message/>", kind: "message" });
    await expect(cluster(a).outbox.take(10)).rejects.toBeInstanceOf(FencedError);
    await expect(cluster(a).outbox.resend()).rejects.toBeInstanceOf(FencedError);
  });

  it("answers 503 resource-constraint once the outbox holds its limit", async () => {
    const {
      stores: [a],
    } = await processes(1, { outboxLimit: 3 });
    for (let n = 0; n < 3; n++)
      await cluster(a).outbox.add({ stanza: "<message/>", kind: "message" });
    await expect(
      cluster(a).outbox.add({ stanza: "<message/>", kind: "message" }),
    ).rejects.toMatchObject({
      status: 503,
      type: "wait",
      condition: "resource-constraint",
    });
  });

  it("takes over a dead process's claims at once, however long their lease", async () => {
    const {
      uri,
      stores: [a],
    } = await processes(1);
    const row = await a.append(
      { ...event(1), conversation: "c" },
      { claimant: "dead", leaseMs: 3_600_000 },
    );
    await a.renewClaims({ claimant: "dead", leaseMs: 3_600_000 });
    const b = await openStore(uri);
    stores.push(b);
    const live = await b.claimDeliveries({
      claimant: "b",
      leaseMs: 1_000,
      stream: "bot:b",
      limit: 10,
    });
    expect(live.deliveries).toEqual([]);
    await a.close();
    stores.splice(stores.indexOf(a), 1);
    const taken = await b.claimDeliveries({
      claimant: "b",
      leaseMs: 1_000,
      stream: "bot:b",
      limit: 10,
    });
    expect(taken.deliveries.map((d) => d.id)).toEqual([row.id]);
  });

  it("says the database is away with a 503 and a time to retry, and is back once it is", async () => {
    const alone = await startPostgres();
    try {
      const store = await openStore(await alone.createDatabase());
      try {
        await alone.kill();
        await expect(store.readEvents("bot:b", "0", 10)).rejects.toBeInstanceOf(
          StoreUnavailableError,
        );
        await expect(store.append(event(1))).rejects.toMatchObject({ status: 503, retryAfter: 2 });
        await alone.restart();
        await expect(store.append(event(2))).resolves.toMatchObject({ claimed: false });
        const back = await new Promise<boolean>((resolve) => {
          if (cluster(store).reachable) return resolve(true);
          const off = cluster(store).onReachability((up) => {
            if (!up) return;
            off();
            resolve(up);
          });
        });
        expect(back).toBe(true);
      } finally {
        await store.close();
      }
    } finally {
      await alone.stop();
    }
  });
});

describe("the PostgreSQL store's migrations", () => {
  it("migrates a version 1 store: what it kept stays, without API ids, and the new parts work", async () => {
    const uri = await server.createDatabase();
    const client = new pg.Client({ connectionString: uri });
    await client.connect();
    try {
      const first = MIGRATIONS.find((m) => m.version === 1);
      await client.query(`BEGIN; ${first?.sql}; COMMIT`);
      await client.query(`
        INSERT INTO meta VALUES ('schema-version', '1'), ('store-id', 'abc123');
        INSERT INTO history (id, owner, direction, peer, sender, recipient, type, body, stanza, time)
          VALUES (1, 'bot:echo', 'in', 'a@x', 'a@x/r', 'echo@rest', 'chat', 'hi', '<message/>', 30);
        INSERT INTO room_messages (id, owner, room, nick, sender, body, stanza, time)
          VALUES (1, 'bot:echo', 'lobby@muc', 'al', 'lobby@muc/al', 'yo', '<message/>', 50);
      `);
    } finally {
      await client.end();
    }

    const store = await openStore(uri);
    stores.push(store);
    expect(store.storeId).toBe("abc123");
    const kept = await store.pageHistory("bot:echo", { limit: 10 });
    expect(kept.entries).toEqual([expect.objectContaining({ id: "1", body: "hi" })]);
    expect(kept.entries[0]).not.toHaveProperty("messageId");
    const said = await store.pageRoomMessages("bot:echo", "lobby@muc", { limit: 10 });
    expect(said.messages).toEqual([expect.objectContaining({ body: "yo" })]);
    expect(said.messages[0]).not.toHaveProperty("messageId");
    await store.putCommands("bot:echo", [{ node: "n", name: "N" }]);
    expect(await store.listCommands("bot:echo")).toEqual([
      { owner: "bot:echo", commands: [{ node: "n", name: "N" }] },
    ]);
    const check = new pg.Client({ connectionString: uri });
    await check.connect();
    try {
      const version = await check.query("SELECT value FROM meta WHERE key = 'schema-version'");
      expect(version.rows).toEqual([{ value: String(SCHEMA_VERSION) }]);
    } finally {
      await check.end();
    }
  });
});
