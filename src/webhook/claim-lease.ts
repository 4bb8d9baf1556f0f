import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "../log.js";
import type { ClaimLease, Store } from "../store/index.js";

/** How long a queue's claims hold without renewal: a dead process's rows wait this long at most. */
export const DEFAULT_LEASE_MS = 60_000;

export interface LeaseKeeper {
  readonly lease: ClaimLease;
  /** Takes the lease and renews it every third of it; `tick` runs after each renewal. */
  start(tick: () => void): Promise<void>;
  /** Stops renewing and gives the claims back, so another claimant may take them at once. */
  stop(): Promise<void>;
}

/** A claimant id that says where it runs: host, process, and this queue. */
export function newClaimant(stream: string): string {
  return `${hostname()}/${process.pid}/${stream}/${randomBytes(4).toString("hex")}`;
}

/** Keeps one delivering queue's claims alive while it runs (DeliveryStore.renewClaims). */
export function createLeaseKeeper(options: {
  readonly store: Pick<Store, "renewClaims" | "releaseClaims">;
  readonly lease: ClaimLease;
  readonly log: Pick<Logger, "warn">;
}): LeaseKeeper {
  const { store, lease, log } = options;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const renew = () =>
    store.renewClaims(lease).catch((err: unknown) => {
      // Not fatal in one process; with several, a lapsed lease lets another take over (a duplicate at worst).
      log.warn("delivery claims not renewed", { err });
    });

  return {
    lease,
    async start(tick) {
      if (stopped || timer) return;
      await renew();
      if (stopped || timer) return;
      timer = setInterval(() => {
        void renew().then(tick);
      }, lease.leaseMs / 3);
      timer.unref();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await store.releaseClaims(lease.claimant).catch((err: unknown) => {
        log.warn("delivery claims not released", { err });
      });
    },
  };
}
