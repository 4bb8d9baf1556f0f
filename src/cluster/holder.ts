/**
 * The link holder role (DESIGN, "Several processes"): of the processes on one database, the
 * one holding the "link" lease holds the XMPP link; the others stand by and serve the HTTP
 * API. A standby tries to take the lease four times a second and at once when the holder
 * rings that it let go; the holder renews it every second and stops writing to the link as
 * soon as its lease may have lapsed (its last renewal started more than `fenceMs` ago, or its
 * database session was lost), which is before the lease can expire on the database's clock.
 *
 * A stopping holder hands over: it names a successor, which connects at once while the holder
 * still holds the lease (with Prosody's component_conflict_resolve = "kick_old" its connection
 * replaces the holder's without a gap, so nothing is bounced; ejabberd takes both for that
 * moment); the holder then commits what it received and releases the lease, reserved for the
 * successor, which takes it.
 */
import type { Logger } from "../log.js";
import type { Metrics } from "../metrics.js";
import type { ConnectionState } from "../stanza/connection-states.js";
import type { AcquiredLease, ClusterStore, Lease, Leases } from "../store/cluster.js";

export type Role = "holder" | "standby";

export const LINK_LEASE = "link";

export interface HolderTiming {
  /** How often the holder renews its lease. */
  readonly renewMs: number;
  /** How long the lease lasts without renewal, on the database's clock. */
  readonly ttlMs: number;
  /** The holder stops writing this long after its last successful renewal started (< ttlMs). */
  readonly fenceMs: number;
  /** How often a standby tries to take the lease. */
  readonly pollMs: number;
  /** How long a stopping holder waits for its successor's connection. */
  readonly handoverMs: number;
  /** How long a released lease waits for the successor alone. */
  readonly reserveMs: number;
}

export const DEFAULT_HOLDER_TIMING: HolderTiming = {
  renewMs: 1_000,
  ttlMs: 5_000,
  fenceMs: 3_000,
  pollMs: 250,
  handoverMs: 1_500,
  reserveMs: 2_000,
};

/** What the role needs of the raw link (before the holder's gate). */
export interface HeldLink {
  readonly state: ConnectionState;
  start(): void;
  suspend(reason: string): Promise<void>;
  onStateChange(handler: (state: ConnectionState) => void): () => void;
}

export interface LinkHolderOptions {
  readonly cluster: Pick<ClusterStore, "leases" | "instance" | "on" | "fence" | "flush">;
  /** Where the other processes reach this one's HTTP API (known once it listens). */
  readonly url: () => string | undefined;
  readonly link: HeldLink;
  /**
   * Runs after the lease is taken and before the link is used: resend what the last holder
   * wrote but never saw taken, re-read the rooms, take over a dead holder's deliveries.
   */
  readonly gained: (lease: Lease) => Promise<void>;
  readonly log: Logger;
  readonly metrics: Pick<Metrics, "leaseChanges" | "failoverSeconds" | "role" | "leaseEpoch">;
  readonly timing?: Partial<HolderTiming>;
}

export interface LinkHolder {
  readonly role: Role;
  /** The lease while this process holds it. */
  readonly lease: Lease | undefined;
  /** Whether this process may write to the XMPP link now (holder, lease not lapsed). */
  mayWrite(): boolean;
  /** Where the holder's HTTP API is (undefined: nobody holds the link now). */
  holderUrl(): Promise<string | undefined>;
  onChange(listener: (role: Role) => void): () => void;
  start(): void;
  /** Hands the link over (holder) and stops trying to take it. */
  stop(): Promise<void>;
}

export function createLinkHolder(options: LinkHolderOptions): LinkHolder {
  const { cluster, link, log, metrics } = options;
  const { leases, instance } = cluster;
  const timing: HolderTiming = { ...DEFAULT_HOLDER_TIMING, ...options.timing };
  const listeners = new Set<(role: Role) => void>();
  let role: Role = "standby";
  let lease: Lease | undefined;
  let renewedAt = 0;
  let busy = false;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let early = false;
  let urlCache: { url: string | undefined; at: number } | undefined;

  const showRole = () => {
    metrics.role.set({ role: "holder" }, role === "holder" ? 1 : 0);
    metrics.role.set({ role: "standby" }, role === "standby" ? 1 : 0);
    metrics.leaseEpoch.set({ lease: LINK_LEASE }, lease ? Number(lease.epoch) : 0);
  };
  showRole();

  const setRole = (next: Role) => {
    if (role === next) return;
    role = next;
    urlCache = undefined;
    showRole();
    for (const listener of [...listeners]) {
      try {
        listener(next);
      } catch (err) {
        log.error("role listener failed", { err });
      }
    }
  };

  const lose = (reason: string) => {
    if (role !== "holder" || !lease) return;
    log.warn("link lease lost: giving the XMPP link up", { epoch: lease.epoch, reason });
    metrics.leaseChanges.inc({ lease: LINK_LEASE, change: "lost" });
    lease = undefined;
    cluster.fence(undefined);
    setRole("standby");
    early = false;
    link.suspend(reason).catch((err: unknown) => log.warn("xmpp link not closed", { err }));
  };

  const gain = async (acquired: AcquiredLease, startedAt: number) => {
    lease = { name: acquired.name, epoch: acquired.epoch };
    renewedAt = startedAt;
    cluster.fence(lease);
    log.info("link lease taken: this process holds the XMPP link", {
      epoch: acquired.epoch,
      previous: acquired.previous,
      because: acquired.because,
    });
    metrics.leaseChanges.inc({ lease: LINK_LEASE, change: "taken" });
    // Connecting takes a round trip or two: it runs while the takeover's own work does (what
    // arrives meanwhile waits in the gate until this process is the holder).
    const epoch = acquired.epoch;
    if (link.state === "online") metrics.failoverSeconds.observe({ lease: LINK_LEASE }, 0);
    else {
      const off = link.onStateChange((state) => {
        if (state !== "online") return;
        off();
        if (lease?.epoch !== epoch) return;
        const seconds = (performance.now() - startedAt) / 1000;
        metrics.failoverSeconds.observe({ lease: LINK_LEASE }, seconds);
        log.info("xmpp link taken over", { epoch, seconds });
      });
      link.start();
    }
    try {
      await options.gained(lease);
    } catch (err) {
      log.error("taking the link over failed in part", { err });
    }
    if (lease?.epoch === epoch) setRole("holder");
  };

  const tryAcquire = async () => {
    const startedAt = performance.now();
    const acquired = await leases.acquire(LINK_LEASE, timing.ttlMs, options.url());
    if (acquired && !stopping) await gain(acquired, startedAt);
    else if (acquired) await leases.release(acquired).catch(() => {});
  };

  const renew = async () => {
    const held = lease;
    if (!held) return;
    const startedAt = performance.now();
    const ok = await leases.renew(held, timing.ttlMs);
    if (lease !== held) return;
    if (ok) renewedAt = startedAt;
    else lose("another process holds the lease now");
  };

  /** The successor of a stopping holder connects at once (a handover without a gap). */
  const watchHandover = async () => {
    if (role !== "standby" || stopping || early) return;
    const view = await leases.read(LINK_LEASE);
    if (view.successor !== instance || role !== "standby") return;
    early = true;
    log.info("taking the XMPP link over from the process that is stopping", {
      holder: view.holder,
    });
    const off = link.onStateChange((state) => {
      if (state !== "online") return;
      off();
      leases.ready(LINK_LEASE).catch(() => {});
    });
    link.start();
  };

  const tick = async () => {
    if (busy || stopping) return;
    busy = true;
    try {
      if (role === "holder") {
        if (performance.now() - renewedAt >= timing.fenceMs) {
          lose(`no renewal of the lease for ${timing.fenceMs / 1000}s (database unreachable?)`);
        } else if (performance.now() - renewedAt >= timing.renewMs) {
          await renew();
        }
      } else await tryAcquire();
    } catch (err) {
      log.debug("lease check failed", { err });
    } finally {
      busy = false;
    }
  };

  const offSession = leases.onSessionLost(() => lose("the database session was lost"));
  const offRing = cluster.on("lease", (payload) => {
    if (payload.startsWith("ready ")) return;
    void watchHandover().catch(() => {});
    void tick();
  });

  return {
    get role() {
      return role;
    },
    get lease() {
      return lease;
    },
    mayWrite: () =>
      role === "holder" && lease !== undefined && performance.now() - renewedAt < timing.fenceMs,
    async holderUrl() {
      if (role === "holder") return options.url();
      if (urlCache && performance.now() - urlCache.at < 500) return urlCache.url;
      const view = await leases.read(LINK_LEASE);
      urlCache = { url: view.holder ? view.url : undefined, at: performance.now() };
      return urlCache.url;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    start() {
      if (timer) return;
      timer = setInterval(() => void tick(), timing.pollMs);
      timer.unref();
      void tick();
    },
    async stop() {
      stopping = true;
      clearInterval(timer);
      offRing();
      offSession();
      while (busy) await new Promise((resolve) => setTimeout(resolve, 10));
      const held = lease;
      if (role !== "holder" || !held) {
        if (early) await link.suspend("stopping");
        return;
      }
      await handOver(held, {
        leases,
        instance,
        link,
        log,
        timing,
        flush: cluster.flush,
        on: cluster.on,
      });
      lease = undefined;
      cluster.fence(undefined);
      metrics.leaseChanges.inc({ lease: LINK_LEASE, change: "released" });
      setRole("standby");
    },
  };
}

/**
 * A stopping holder's last steps: name a live successor and wait (up to handoverMs) until its
 * connection is up (it rings) or has replaced this one (Prosody kick_old); then close the
 * link, commit what came in, and release the lease (reserved for the successor).
 */
async function handOver(
  held: Lease,
  deps: {
    leases: Leases;
    instance: string;
    link: HeldLink;
    log: Logger;
    timing: HolderTiming;
    flush: () => Promise<void>;
    on: ClusterStore["on"];
  },
): Promise<void> {
  const { leases, instance, link, log, timing } = deps;
  let successor: string | undefined;
  try {
    successor = (await leases.alive()).find((other) => other !== instance);
    if (successor) {
      const connected = successorConnected(link, deps.on, successor, timing.handoverMs);
      await leases.handover(held, successor);
      await connected;
    }
  } catch (err) {
    log.warn("no handover: the lease is released plainly", { err });
  }
  await link.suspend("handing the link over").catch(() => {});
  await deps.flush().catch(() => {});
  await leases
    .release(held, successor ? timing.reserveMs : 0)
    .catch((err: unknown) => log.warn("lease not released; it expires by itself", { err }));
  log.info("link lease released", { epoch: held.epoch, successor });
}

/**
 * Waits until the successor's connection is up (it rings "ready"), or it replaced this one
 * (Prosody kick_old: this link went offline), or the wait is over.
 */
function successorConnected(
  link: HeldLink,
  on: ClusterStore["on"],
  successor: string,
  timeoutMs: number,
): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    const offLink = link.onStateChange((state) => {
      if (state !== "online") done();
    });
    const offRing = on("lease", (payload) => {
      if (payload === `ready ${LINK_LEASE} ${successor}`) done();
    });
    function done() {
      clearTimeout(timer);
      offLink();
      offRing();
      resolve();
    }
  });
}
