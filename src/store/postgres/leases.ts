import type { Lease, Leases, LeaseView } from "../cluster.js";
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
      const { rows } = await session.query<{ epoch: string }>(
        `UPDATE leases SET holder = $2, holder_lock = $3, holder_url = $4, epoch = epoch + 1,
           expires_at = now() + $5::interval, successor = NULL
         WHERE name = $1 AND (
           holder = $2
           OR (holder IS NULL AND (successor IS NULL OR successor = $2 OR expires_at < now()))
           OR (holder IS NOT NULL AND (expires_at < now() OR NOT ${alive("holder_lock")})))
         RETURNING epoch::text AS epoch`,
        [name, who, lock, url ?? null, ms(ttlMs)],
      );
      const epoch = rows[0]?.epoch;
      return epoch === undefined ? undefined : { name, epoch };
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
