import type pg from "pg";
import type { ClaimedPage, ClaimLease, ClaimQuery, Delivery } from "../deliveries.js";
import { lockClaims } from "./claim-lock.js";
import { DELIVERY_COLUMNS, type DeliveryRow, toDelivery } from "./delivery-rows.js";
import { SESSION_LOCK } from "./session.js";

/**
 * Claims on deliveries across processes (DeliveryStore.claimDeliveries), the same rules as the
 * SQLite store's (../sqlite/claims.ts), made safe for several processes: a claim runs under
 * its stream's claim lock (./claim-lock.ts), and a claimant's rows count as held only while
 * its lease runs *and* the process that took them is alive (its session lock is held), so a
 * dead process's claims are taken over at once, not after their lease.
 */

interface CandidateRow extends DeliveryRow {
  claimant: string | null;
  lease_until: string | null;
  instance_lock: number | null;
}

interface HeadRow {
  conversation: string;
  id: string;
  claimant: string | null;
}

/** Rows read per round of a claim. */
const CHUNK_MIN = 100;

export interface ClaimContext {
  readonly client: pg.ClientBase;
  readonly now: number;
  /** The session lock of this process: recorded with the claimant's lease. */
  readonly lock: number;
}

/** Starts or extends a claimant's lease. */
export async function leaseClaimant(
  { client, now, lock }: ClaimContext,
  { claimant, leaseMs }: ClaimLease,
): Promise<void> {
  await client.query(
    `INSERT INTO claimants (claimant, lease_until, instance_lock) VALUES ($1, $2, $3)
     ON CONFLICT (claimant) DO UPDATE SET lease_until = excluded.lease_until,
       instance_lock = excluded.instance_lock`,
    [claimant, now + leaseMs, lock],
  );
}

/** Session locks held now: the processes alive. */
async function aliveLocks(client: pg.ClientBase): Promise<Set<number>> {
  const { rows } = await client.query<{ lock: string }>(
    `SELECT objid::text AS lock FROM pg_locks
     WHERE locktype = 'advisory' AND granted AND classid = $1 AND objsubid = 2`,
    [SESSION_LOCK],
  );
  return new Set(rows.map((r) => Number(r.lock)));
}

export async function claimDeliveries(ctx: ClaimContext, query: ClaimQuery): Promise<ClaimedPage> {
  const { client, now } = ctx;
  const { claimant, stream, conversation, limit } = query;
  await lockClaims(client, [stream]);
  await leaseClaimant(ctx, query);
  const alive = await aliveLocks(client);
  const holds = (who: string | null, until: string | null, lock: number | null) =>
    who !== null &&
    who !== claimant &&
    until !== null &&
    Number(until) > now &&
    (lock === null || alive.has(lock));

  const claimed: Delivery[] = [];
  const taken: string[] = [];
  let heldElsewhere: bigint | undefined;
  const passOver = (id: string) => {
    const n = BigInt(id);
    if (heldElsewhere === undefined || n < heldElsewhere) heldElsewhere = n;
  };
  // Per conversation: may this claimant deliver it (it holds the head, or the head is free)?
  const mine = new Map<string, boolean>();
  let after = query.after ?? "0";
  const chunk = Math.max(limit, CHUNK_MIN);
  const done = async (): Promise<ClaimedPage> => {
    if (taken.length > 0) {
      await client.query("UPDATE deliveries SET claimant = $1 WHERE event_id = ANY($2::bigint[])", [
        claimant,
        taken,
      ]);
    }
    return {
      deliveries: claimed,
      heldElsewhere: heldElsewhere === undefined ? undefined : String(heldElsewhere),
    };
  };

  for (;;) {
    const { rows } = await client.query<CandidateRow>(
      `SELECT ${DELIVERY_COLUMNS}, d.claimant, c.lease_until::text, c.instance_lock
       FROM deliveries d JOIN events e ON e.id = d.event_id
       LEFT JOIN claimants c ON c.claimant = d.claimant
       WHERE d.state = 'pending' AND d.stream = $1 AND d.event_id > $2
         AND ($3::text IS NULL OR d.conversation = $3)
       ORDER BY d.event_id LIMIT $4`,
      [stream, after, conversation ?? null, chunk],
    );
    const undecided = [...new Set(rows.map((r) => r.conversation).filter((c) => !mine.has(c)))];
    const heads = await headsOf(client, stream, undecided);
    for (const row of rows) {
      after = row.id;
      if (holds(row.claimant, row.lease_until, row.instance_lock)) {
        mine.set(row.conversation, false);
        passOver(row.id);
        continue;
      }
      let ok = mine.get(row.conversation);
      if (ok === undefined) {
        const head = heads.get(row.conversation);
        ok = head === undefined || head.id === row.id || head.claimant === claimant;
        if (!ok && head) passOver(head.id);
        mine.set(row.conversation, ok);
      }
      if (!ok) continue;
      if (row.claimant !== claimant) taken.push(row.id);
      claimed.push(toDelivery(row));
      if (claimed.length >= limit) return done();
    }
    if (rows.length < chunk) return done();
  }
}

/** The head (oldest pending row) of each conversation, with who holds it. */
async function headsOf(
  client: pg.ClientBase,
  stream: string,
  conversations: readonly string[],
): Promise<Map<string, HeadRow>> {
  const heads = new Map<string, HeadRow>();
  if (conversations.length === 0) return heads;
  const { rows } = await client.query<HeadRow>(
    `SELECT DISTINCT ON (conversation) conversation, event_id::text AS id, claimant
     FROM deliveries WHERE state = 'pending' AND stream = $1 AND conversation = ANY($2::text[])
     ORDER BY conversation, event_id`,
    [stream, conversations],
  );
  for (const row of rows) heads.set(row.conversation, row);
  return heads;
}

/** Gives a claimant's rows back (on stop): others may take them at once. */
export async function releaseClaimant(client: pg.ClientBase, claimant: string): Promise<void> {
  await client.query("DELETE FROM claimants WHERE claimant = $1", [claimant]);
  await client.query(
    "UPDATE deliveries SET claimant = NULL WHERE state = 'pending' AND claimant = $1",
    [claimant],
  );
}
