import { afterEach, describe, expect, it } from "vitest";
import { createLinkHolder, type HeldLink, type LinkHolder } from "../../../src/cluster/holder.js";
import { silentLogger } from "../../../src/log.js";
import { noMetrics } from "../../../src/metrics.js";
import type { ConnectionState } from "../../../src/stanza/connection-states.js";
import type {
  AcquiredLease,
  ClusterChannel,
  ClusterStore,
  Lease,
  Leases,
} from "../../../src/store/cluster.js";

/**
 * The lease table as the database keeps it, for several processes in one test: who holds
 * the link's lease, its epoch, expiry (this clock) and successor, which instances are alive,
 * and whether the database answers at all.
 */
function fakeDatabase() {
  const db = {
    holder: undefined as string | undefined,
    epoch: 0,
    expiresAt: 0,
    successor: undefined as string | undefined,
    alive: new Set<string>(),
    up: true,
    rings: new Set<(payload: string) => void>(),
    sessionLost: new Map<string, Set<() => void>>(),
  };
  const check = () => {
    if (!db.up) throw Object.assign(new Error("Connection terminated"), { code: "08006" });
  };
  const ring = (payload: string) => {
    for (const listener of [...db.rings]) setImmediate(() => listener(payload));
  };
  const leasesFor = (instance: string): Leases => ({
    async acquire(name, ttlMs) {
      check();
      const now = Date.now();
      const free =
        db.holder === instance ||
        (db.holder === undefined &&
          (db.successor === undefined || db.successor === instance || db.expiresAt < now)) ||
        (db.holder !== undefined && (db.expiresAt < now || !db.alive.has(db.holder)));
      if (!free) return undefined;
      const previous = db.holder;
      db.holder = instance;
      db.epoch += 1;
      db.expiresAt = now + ttlMs;
      db.successor = undefined;
      const acquired: AcquiredLease = {
        name,
        epoch: String(db.epoch),
        previous,
        because: previous === undefined ? "free" : "holder gone",
      };
      return acquired;
    },
    async renew(lease, ttlMs) {
      check();
      if (db.holder !== instance || String(db.epoch) !== lease.epoch) return false;
      db.expiresAt = Date.now() + ttlMs;
      return true;
    },
    async handover(_lease, successor) {
      check();
      db.successor = successor;
      ring("link");
    },
    async ready(name) {
      ring(`ready ${name} ${instance}`);
    },
    async release(lease, reserveMs = 0) {
      check();
      if (db.holder !== instance || String(db.epoch) !== lease.epoch) return;
      db.holder = undefined;
      db.expiresAt = db.successor ? Date.now() + reserveMs : 0;
      ring("link");
    },
    async read() {
      check();
      return {
        holder: db.holder,
        epoch: String(db.epoch),
        url: db.holder ? `http://${db.holder}` : undefined,
        successor: db.successor,
      };
    },
    async alive() {
      check();
      return [...db.alive];
    },
    onSessionLost(listener) {
      let set = db.sessionLost.get(instance);
      if (!set) {
        set = new Set();
        db.sessionLost.set(instance, set);
      }
      set.add(listener);
      return () => set.delete(listener);
    },
  });
  const clusterFor = (instance: string) => {
    db.alive.add(instance);
    const part = {
      instance,
      fenced: undefined as Lease | undefined,
      leases: leasesFor(instance),
      on(channel: ClusterChannel, listener: (payload: string) => void) {
        if (channel !== "lease") return () => {};
        db.rings.add(listener);
        return () => db.rings.delete(listener);
      },
      fence(lease: Lease | undefined) {
        part.fenced = lease;
      },
      flush: async () => {},
    } satisfies Pick<ClusterStore, "leases" | "instance" | "on" | "fence" | "flush"> & {
      fenced: Lease | undefined;
    };
    return part;
  };
  return {
    db,
    clusterFor,
    /** The process dies: its session lock goes (and its lease with it, to the others' eyes). */
    dies(instance: string) {
      db.alive.delete(instance);
    },
    loseSession(instance: string) {
      for (const listener of db.sessionLost.get(instance) ?? []) listener();
    },
  };
}

/** A link the role starts and suspends; online a moment after start (the handshake). */
function fakeLink() {
  const handlers = new Set<(state: ConnectionState) => void>();
  const link: HeldLink & { starts: number; suspends: string[]; state: ConnectionState } = {
    state: "offline",
    starts: 0,
    suspends: [],
    start() {
      link.starts += 1;
      setTimeout(() => set("online"), 5);
    },
    async suspend(reason) {
      link.suspends.push(reason);
      set("offline");
    },
    onStateChange(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
  };
  const set = (state: ConnectionState) => {
    if (link.state === state) return;
    link.state = state;
    for (const handler of [...handlers]) handler(state);
  };
  return Object.assign(link, { set });
}

const timing = {
  pollMs: 10,
  renewMs: 20,
  ttlMs: 200,
  fenceMs: 80,
  handoverMs: 300,
  reserveMs: 200,
};
const holders: LinkHolder[] = [];

function process(database: ReturnType<typeof fakeDatabase>, name: string, gained: string[] = []) {
  const cluster = database.clusterFor(name);
  const link = fakeLink();
  const holder = createLinkHolder({
    cluster,
    url: () => `http://${name}`,
    link,
    async gained(lease) {
      // The fence is set before the takeover's work, and the role after it.
      gained.push(`${lease.epoch} fenced=${cluster.fenced?.epoch} role=${holder.role}`);
    },
    log: silentLogger,
    metrics: noMetrics,
    timing,
  });
  holders.push(holder);
  return { cluster, link, holder };
}

const until = async (check: () => boolean, what: string, ms = 2_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
};

afterEach(async () => {
  for (const holder of holders.splice(0)) await holder.stop();
});

describe("the link holder role", () => {
  it("takes a free lease, fences its writes, connects, and holds the link once its takeover work is done", async () => {
    const database = fakeDatabase();
    const gained: string[] = [];
    const a = process(database, "a", gained);
    expect(a.holder.role).toBe("standby");
    expect(a.holder.mayWrite()).toBe(false);
    a.holder.start();
    await until(() => a.holder.role === "holder", "a to hold the link");
    expect(gained).toEqual(["1 fenced=1 role=standby"]);
    expect(a.link.starts).toBe(1);
    expect(a.holder.lease).toEqual({ name: "link", epoch: "1" });
    expect(a.holder.mayWrite()).toBe(true);
    expect(await a.holder.holderUrl()).toBe("http://a");
  });

  it("stands by while another holds it, and takes over at once when the holder's process dies", async () => {
    const database = fakeDatabase();
    const a = process(database, "a");
    a.holder.start();
    await until(() => a.holder.role === "holder", "a to hold the link");
    const b = process(database, "b");
    b.holder.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(b.holder.role).toBe("standby");
    expect(b.link.starts).toBe(0);
    expect(await b.holder.holderUrl()).toBe("http://a");

    database.dies("a");
    await until(() => b.holder.role === "holder", "b to take over");
    expect(b.holder.lease?.epoch).toBe("2");
    // The dead one (were it only cut off) finds another epoch at its next renewal.
    await until(() => a.holder.role === "standby", "a to see it lost the lease");
    expect(a.link.suspends).toEqual(["another process holds the lease now"]);
    expect(a.cluster.fenced).toBeUndefined();
  });

  it("stops writing once its lease may have lapsed: the database unreachable, it gives the link up", async () => {
    const database = fakeDatabase();
    const a = process(database, "a");
    a.holder.start();
    await until(() => a.holder.role === "holder", "a to hold the link");
    database.db.up = false;
    const cutAt = Date.now();
    await until(() => !a.holder.mayWrite(), "a to stop writing");
    // Before the lease can expire on the database's clock (ttl 200 ms).
    expect(Date.now() - cutAt).toBeLessThan(timing.ttlMs);
    await until(() => a.holder.role === "standby", "a to give the link up");
    expect(a.link.suspends[0]).toMatch(/no renewal of the lease/);
    expect(a.cluster.fenced).toBeUndefined();
    database.db.up = true;
    await until(() => a.holder.role === "holder", "a to take the link again");
    expect(a.holder.lease?.epoch).toBe("2");
  });

  it("gives the link up at once when its database session is lost", async () => {
    const database = fakeDatabase();
    const a = process(database, "a");
    a.holder.start();
    await until(() => a.holder.role === "holder", "a to hold the link");
    database.loseSession("a");
    expect(a.holder.role).toBe("standby");
    expect(a.holder.mayWrite()).toBe(false);
    expect(a.link.suspends).toEqual(["the database session was lost"]);
  });

  it("hands over when stopped: the successor connects first, then takes the released lease", async () => {
    const database = fakeDatabase();
    const a = process(database, "a");
    a.holder.start();
    await until(() => a.holder.role === "holder", "a to hold the link");
    await until(() => a.link.state === "online", "a's link to be up");
    const b = process(database, "b");
    b.holder.start();
    const order: string[] = [];
    b.link.onStateChange((state) => order.push(`b ${state}`));
    a.link.onStateChange((state) => order.push(`a ${state}`));
    b.holder.onChange((role) => order.push(`b ${role}`));
    const stopping = Date.now();
    await a.holder.stop();
    // The successor said its connection is up: no waiting out the handover's time limit.
    expect(Date.now() - stopping).toBeLessThan(timing.handoverMs);
    expect(a.holder.role).toBe("standby");
    await until(() => b.holder.role === "holder", "b to take the link");
    expect(order).toEqual(["b online", "a offline", "b holder"]);
    expect(b.link.starts).toBe(1);
    expect(a.link.suspends).toEqual(["handing the link over"]);
  });

  it("releases plainly when nobody else is alive to take the link over", async () => {
    const database = fakeDatabase();
    const a = process(database, "a");
    a.holder.start();
    await until(() => a.holder.role === "holder", "a to hold the link");
    const started = Date.now();
    await a.holder.stop();
    expect(Date.now() - started).toBeLessThan(timing.handoverMs);
    expect(database.db.holder).toBeUndefined();
    expect(database.db.expiresAt).toBe(0);
  });
});
