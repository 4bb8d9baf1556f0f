import type pg from "pg";
import type { Lease } from "../cluster.js";

/** What a holder's commit is checked against. */
export interface FenceState {
  /** Whether holder-only writes are checked at all (a store used by one process is not). */
  readonly on: boolean;
  readonly lease: Lease | undefined;
  /** The instance the lease must name. */
  readonly instance: string;
}

/**
 * Locks the lease row for the rest of the transaction (FOR SHARE) and checks it is still this
 * epoch's: a takeover (an UPDATE of the row) waits for this commit, and a commit after one
 * finds another epoch. So the deposed holder's last commit lands before the new holder's
 * first, and none after it.
 */
export async function holdsLease(client: pg.ClientBase, state: FenceState): Promise<boolean> {
  const { lease, instance } = state;
  if (!lease) return false;
  const { rows } = await client.query(
    "SELECT 1 FROM leases WHERE name = $1 AND epoch = $2 AND holder = $3 FOR SHARE",
    [lease.name, lease.epoch, instance],
  );
  return rows.length > 0;
}
