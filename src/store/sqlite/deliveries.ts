import type Database from "better-sqlite3";
import type { Backlog, DeliveryState, DeliveryStore, DeliveryUpdate } from "../deliveries.js";
import type { SqliteClaims } from "./claims.js";
import { DELIVERY_COLUMNS, type DeliveryRow, toDelivery } from "./delivery-rows.js";
import type { HeadCache } from "./heads.js";
import type { Writer } from "./writer.js";

/** The delivery part of the SQLite store (tables of migrations 1 and 4). */
export function createSqliteDeliveries(
  db: Database.Database,
  writer: Writer,
  claims: SqliteClaims,
  heads: HeadCache,
  now: () => number,
): DeliveryStore {
  const setPending = db.prepare<[number, number, string, number, number]>(
    `UPDATE deliveries SET state = 'pending', attempts = ?, next_attempt_at = ?, last_error = ?,
     updated_at = ? WHERE event_id = ?`,
  );
  // A finished delivery is nobody's any more: claims count on pending rows only, so the
  // outcome releases it without touching the claimant column (the hot path's update stays small).
  const setDelivered = db.prepare<[number, number, number]>(
    `UPDATE deliveries SET state = 'delivered', attempts = ?, last_error = NULL, updated_at = ?
     WHERE event_id = ?`,
  );
  const setFailed = db.prepare<[number, string, number, number]>(
    `UPDATE deliveries SET state = 'failed', attempts = ?, last_error = ?, updated_at = ?
     WHERE event_id = ?`,
  );
  const requeue = db.prepare<[number, number, string | null, number]>(
    `UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = ?, updated_at = ?,
     claimant = ? WHERE event_id = ? AND state <> 'delivered'`,
  );
  const byId = db.prepare<[number], DeliveryRow>(
    `SELECT ${DELIVERY_COLUMNS} FROM deliveries d JOIN events e ON e.id = d.event_id
     WHERE d.event_id = ?`,
  );
  // The stream (NULL: every stream) keeps a bot's webhook to its own deliveries.
  const inState = db.prepare<
    [DeliveryState, number, string | null, string | null, number],
    DeliveryRow
  >(
    `SELECT ${DELIVERY_COLUMNS} FROM deliveries d JOIN events e ON e.id = d.event_id
     WHERE d.state = ? AND d.event_id > ? AND (? IS NULL OR e.stream = ?)
     ORDER BY d.event_id LIMIT ?`,
  );
  const inStateFor = db.prepare<
    [DeliveryState, string, number, string | null, string | null, number],
    DeliveryRow
  >(
    `SELECT ${DELIVERY_COLUMNS} FROM deliveries d JOIN events e ON e.id = d.event_id
     WHERE d.state = ? AND d.conversation = ? AND d.event_id > ? AND (? IS NULL OR e.stream = ?)
     ORDER BY d.event_id LIMIT ?`,
  );
  const countPending = db.prepare<
    [string | null, string | null],
    { n: number; oldest: number | null }
  >(
    `SELECT count(*) AS n, min(e.time) AS oldest FROM deliveries d
     JOIN events e ON e.id = d.event_id WHERE d.state = 'pending' AND (? IS NULL OR e.stream = ?)`,
  );
  const countFailed = db.prepare<[string | null, string | null], { n: number }>(
    `SELECT count(*) AS n FROM deliveries d JOIN events e ON e.id = d.event_id
     WHERE d.state = 'failed' AND (? IS NULL OR e.stream = ?)`,
  );

  const record = (u: DeliveryUpdate, time: number) => {
    const id = Number(u.id);
    if (u.state === "pending") setPending.run(u.attempts, u.nextAttemptAt, u.lastError, time, id);
    else if (u.state === "delivered") setDelivered.run(u.attempts, time, id);
    else setFailed.run(u.attempts, u.lastError, time, id);
  };

  const requeueOne = db.transaction(
    (id: number, claim: Parameters<DeliveryStore["requeueDelivery"]>[1]) => {
      const time = now();
      if (claim) claims.lease(claim, time);
      if (requeue.run(time, time, claim?.claimant ?? null, id).changes === 0) return undefined;
      const row = byId.get(id);
      // An older row turned pending again: it may be its conversation's head now.
      if (row) heads.forget(heads.key(row.stream, row.conversation));
      return row ? toDelivery(row) : undefined;
    },
  );

  return {
    // Claims only record who delivers: losing one to a power cut costs a duplicate at most.
    claimDeliveries: (query) => writer.write(() => claims.claim(query, now()), true),
    renewClaims: (lease) => writer.write(() => claims.lease(lease, now()), true),
    releaseClaims: (claimant) => writer.write(() => claims.release(claimant), true),
    recordOutcome(update) {
      const time = now();
      return writer.batched(() => record(update, time), false);
    },
    listDeliveries: (query) =>
      writer.read(() => {
        const after = Number(query.after ?? 0);
        const stream = query.stream ?? null;
        const rows =
          query.conversation === undefined
            ? inState.all(query.state, after, stream, stream, query.limit)
            : inStateFor.all(query.state, query.conversation, after, stream, stream, query.limit);
        return rows.map(toDelivery);
      }),
    getDelivery: (id) =>
      writer.read(() => {
        const row = byId.get(Number(id));
        return row ? toDelivery(row) : undefined;
      }),
    requeueDelivery: (id, claim) => writer.write(() => requeueOne(Number(id), claim)),
    backlog: (stream?: string): Promise<Backlog> =>
      writer.read(() => {
        const only = stream ?? null;
        const pending = countPending.get(only, only) ?? { n: 0, oldest: null };
        return {
          pending: pending.n,
          oldestPendingAt: pending.oldest ?? undefined,
          failed: countFailed.get(only, only)?.n ?? 0,
        };
      }),
  };
}
