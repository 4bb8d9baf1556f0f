import type { Lease, Leases, LeaseTakenBecause, LeaseView } from "../cluster.js";
import { SESSION_ALIVE, type Session } from "./session.js";

/** The doorbell of a lease given up or handed over. */
export const LEASE_CHANNEL = "xr_lease";

const alive = (column: string) => SESSION_ALIVE.replace("$LOCK", column);

/**
 * Leases in the `leases` table, on the database's clock (now(): the hosts' clocks never
 * matter), each held by one instance's session (./session.ts). A lease is free when nobody
 * holds it (and it is not reserved for a named successor), when it expired, or at once when
 * its holder's session lock is gone (kill -9, a crash, a lost connection).
 */
export function createPgLeases(session: Session, instance: string): Leases {
  const me = () => [instance, session.lock] as const;
  const ms = (n: number) => `${Math.max(1, Math.round(n))} milliseconds`;
  const ring = (name: string) => session.query("SELECT pg_notify($1, $2)", [LEASE_CHANNEL, name]);

  return {
    async acquire(name, ttlMs, url) {
      const [who, lock] = me();
      // `was` is the row as it stood (for the log); the conditions are checked on the row
      // locked by the UPDATE, so of two processes trying at once one gets it.
      const { rows } = await session.query<{
        epoch: string;
        previous: string | null;
        expired: boolean;
        released: boolean;
      }>(
        `UPDATE leases l SET holder = $2, holder_lock = $3, holder_url = $4, epoch = l.epoch + 1,
           expires_at = now() + $5::interval, successor = NULL
         FROM (SELECT holder AS previous, expires_at < now() AS expired,
                 holder IS NULL AND epoch > 0 AS released
               FROM leases WHERE name = $1) was
         WHERE l.name = $1 AND (
           l.holder = $2
           OR (l.holder IS NULL AND (l.successor IS NULL OR l.successor = $2 OR l.expires_at < now()))
           OR (l.holder IS NOT NULL AND (l.expires_at < now() OR NOT ${alive("l.holder_lock")})))
         RETURNING l.epoch::text AS epoch, was.previous, was.expired, was.released`,
        [name, who, lock, url ?? null, ms(ttlMs)],
      );
      const row = rows[0];
      if (!row) return undefined;
      const because: LeaseTakenBecause =
        row.previous === who
          ? "own"
          : row.previous === null
            ? row.released
              ? "released"
              : "free"
            : row.expired
              ? "expired"
              : "holder gone";
      return { name, epoch: row.epoch, previous: row.previous ?? undefined, because };
    },
    async renew(lease, ttlMs) {
      const { rows } = await session.query(
        `UPDATE leases SET expires_at = now() + $4::interval, holder_lock = $5
         WHERE name = $1 AND epoch = $2 AND holder = $3 RETURNING 1`,
        [lease.name, lease.epoch, instance, ms(ttlMs), session.lock],
      );
      return rows.length > 0;
    },
    async handover(lease, successor) {
      await session.query(
        "UPDATE leases SET successor = $4 WHERE name = $1 AND epoch = $2 AND holder = $3",
        [lease.name, lease.epoch, instance, successor],
      );
      await ring(lease.name);
    },
    async ready(name) {
      await session.query("SELECT pg_notify($1, $2)", [LEASE_CHANNEL, `ready ${name} ${instance}`]);
    },
    async release(lease: Lease, reserveMs = 0) {
      await session.query(
        `UPDATE leases SET holder = NULL, holder_lock = NULL, holder_url = NULL,
           expires_at = CASE WHEN successor IS NULL THEN '-infinity'::timestamptz
                             ELSE now() + $4::interval END
         WHERE name = $1 AND epoch = $2 AND holder = $3`,
        [lease.name, lease.epoch, instance, ms(reserveMs)],
      );
      await ring(lease.name);
    },
    async read(name): Promise<LeaseView> {
      const { rows } = await session.query<{
        holder: string | null;
        epoch: string;
        holder_url: string | null;
        successor: string | null;
      }>("SELECT holder, epoch::text AS epoch, holder_url, successor FROM leases WHERE name = $1", [
        name,
      ]);
      const row = rows[0];
      return {
        holder: row?.holder ?? undefined,
        epoch: row?.epoch ?? "0",
        url: row?.holder_url ?? undefined,
        successor: row?.successor ?? undefined,
      };
    },
    async alive() {
      const { rows } = await session.query<{ instance: string }>(
        `SELECT instance FROM instances WHERE ${alive("lock")} ORDER BY started_at`,
      );
      return rows.map((r) => r.instance);
    },
    onSessionLost(listener) {
      return session.onState((connected) => {
        if (!connected) listener();
      });
    },
  };
}
