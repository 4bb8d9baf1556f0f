import type Database from "better-sqlite3";
import type { ClaimedPage, ClaimLease, ClaimQuery, Delivery } from "../deliveries.js";
import { DELIVERY_COLUMNS, type DeliveryRow, toDelivery } from "./delivery-rows.js";
import type { HeadCache } from "./heads.js";

/**
 * Claims on deliveries (DeliveryStore.claimDeliveries). A row names its claimant; the
 * claimant's one row in `claimants` says until when its claims hold, so renewing is one
 * write. Within one process this is mostly formal (one file, one process), but the rules are
 * the contract's, which a store shared by several processes enforces for real.
 */
export interface SqliteClaims {
  /** claimDeliveries, as one transaction. (An append's claim is taken in its insert: ./events.ts.) */
  claim(query: ClaimQuery, now: number): ClaimedPage;
  /** Starts or extends the claimant's lease. */
  lease(lease: ClaimLease, now: number): void;
  release(claimant: string): void;
  /** Forgets every claim: at open, where every claim in the file is a dead process's. */
  clearAll(): void;
}

interface CandidateRow extends DeliveryRow {
  claimant: string | null;
  lease_until: number | null;
}

interface HeadRow {
  id: number;
  claimant: string | null;
}

export function createSqliteClaims(db: Database.Database, heads: HeadCache): SqliteClaims {
  // CROSS JOIN keeps the pending deliveries as the outer loop, in id order: left to itself the
  // planner walks the stream's every event (delivered ones included) and sorts them.
  const select = `SELECT ${DELIVERY_COLUMNS}, d.claimant, c.lease_until
    FROM deliveries d CROSS JOIN events e ON e.id = d.event_id
    LEFT JOIN claimants c ON c.claimant = d.claimant`;
  const candidates = db.prepare<[string, number, number], CandidateRow>(
    `${select} WHERE d.state = 'pending' AND e.stream = ? AND d.event_id > ?
     ORDER BY d.event_id LIMIT ?`,
  );
  const candidatesOf = db.prepare<[string, string, number, number], CandidateRow>(
    `${select} WHERE d.state = 'pending' AND e.stream = ? AND d.conversation = ? AND d.event_id > ?
     ORDER BY d.event_id LIMIT ?`,
  );
  const headOf = db.prepare<[string, string], HeadRow>(
    `SELECT d.event_id AS id, d.claimant FROM deliveries d CROSS JOIN events e ON e.id = d.event_id
     WHERE d.state = 'pending' AND d.conversation = ? AND e.stream = ?
     ORDER BY d.event_id LIMIT 1`,
  );
  // One statement for every row a claim takes (a page is up to hundreds of rows).
  const take = db.prepare<[string, string]>(
    "UPDATE deliveries SET claimant = ? WHERE event_id IN (SELECT value FROM json_each(?))",
  );
  const upsertLease = db.prepare<[string, number]>(
    `INSERT INTO claimants (claimant, lease_until) VALUES (?, ?)
     ON CONFLICT (claimant) DO UPDATE SET lease_until = excluded.lease_until`,
  );
  const dropLease = db.prepare<[string]>("DELETE FROM claimants WHERE claimant = ?");
  const giveBack = db.prepare<[string]>(
    "UPDATE deliveries SET claimant = NULL WHERE state = 'pending' AND claimant = ?",
  );
  const dropAllLeases = db.prepare("DELETE FROM claimants");
  const giveAllBack = db.prepare(
    "UPDATE deliveries SET claimant = NULL WHERE state = 'pending' AND claimant IS NOT NULL",
  );

  const claim = db.transaction((query: ClaimQuery, now: number): ClaimedPage => {
    const { claimant, stream, conversation, limit } = query;
    upsertLease.run(claimant, now + query.leaseMs);
    const claimed: Delivery[] = [];
    let heldElsewhere: number | undefined;
    const passOver = (id: number) => {
      if (heldElsewhere === undefined || id < heldElsewhere) heldElsewhere = id;
    };
    // Per conversation: may this claimant deliver it (it holds the head, or the head is free)?
    const mine = new Map<string, boolean>();
    const taken: number[] = [];
    const takenFrom = new Set<string>();
    const done = () => {
      if (taken.length > 0) take.run(claimant, JSON.stringify(taken));
      for (const c of takenFrom) heads.forget(heads.key(stream, c));
      return page(claimed, heldElsewhere);
    };
    let after = query.after === undefined ? 0 : Number(query.after);
    const chunk = Math.max(limit, 1);
    for (;;) {
      const rows =
        conversation === undefined
          ? candidates.all(stream, after, chunk)
          : candidatesOf.all(stream, conversation, after, chunk);
      for (const row of rows) {
        after = row.id;
        const other = row.claimant !== null && row.claimant !== claimant;
        if (other && row.lease_until !== null && row.lease_until > now) {
          mine.set(row.conversation, false);
          passOver(row.id);
          continue;
        }
        let ok = mine.get(row.conversation);
        if (ok === undefined) {
          const head = headOf.get(row.conversation, stream);
          ok = head === undefined || head.id === row.id || head.claimant === claimant;
          if (!ok && head) passOver(head.id);
          mine.set(row.conversation, ok);
        }
        if (!ok) continue;
        if (row.claimant !== claimant) {
          taken.push(row.id);
          takenFrom.add(row.conversation);
        }
        claimed.push(toDelivery(row));
        if (claimed.length >= limit) return done();
      }
      if (rows.length < chunk) return done();
    }
  });

  return {
    claim: (query, now) => claim(query, now),
    lease: ({ claimant, leaseMs }, now) => void upsertLease.run(claimant, now + leaseMs),
    release(claimant) {
      dropLease.run(claimant);
      giveBack.run(claimant);
      heads.forgetAll();
    },
    clearAll() {
      dropAllLeases.run();
      giveAllBack.run();
      heads.forgetAll();
    },
  };
}

function page(deliveries: Delivery[], heldElsewhere: number | undefined): ClaimedPage {
  return {
    deliveries,
    heldElsewhere: heldElsewhere === undefined ? undefined : String(heldElsewhere),
  };
}
