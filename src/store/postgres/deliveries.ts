import type pg from "pg";
import type { Backlog, DeliveryStore } from "../deliveries.js";
import { lockClaims } from "./claim-lock.js";
import { claimDeliveries, leaseClaimant, releaseClaimant } from "./claims.js";
import { DELIVERY_COLUMNS, type DeliveryRow, toDelivery } from "./delivery-rows.js";
import { read, readOne } from "./query.js";
import type { PgWriter } from "./writer.js";

export interface PgDeliveryContext {
  readonly pool: pg.Pool;
  readonly writer: PgWriter;
  /** The store's clock in ms, read from the database when the store has none of its own. */
  readonly now: (client: pg.ClientBase) => Promise<number>;
  /** This process's session lock (claims record it: ./claims.ts). */
  readonly lock: () => number;
}

const byIdSql = `SELECT ${DELIVERY_COLUMNS} FROM deliveries d JOIN events e ON e.id = d.event_id
  WHERE d.event_id = $1`;

/** The delivery part of the PostgreSQL store. */
export function createPgDeliveries(ctx: PgDeliveryContext): DeliveryStore {
  const { pool, writer } = ctx;
  const claimContext = async (client: pg.ClientBase) => ({
    client,
    now: await ctx.now(client),
    lock: ctx.lock(),
  });

  return {
    claimDeliveries: (query) =>
      writer.transaction(async (client) => claimDeliveries(await claimContext(client), query)),
    renewClaims: (lease) =>
      writer.transaction(async (client) => leaseClaimant(await claimContext(client), lease)),
    releaseClaims: (claimant) => writer.transaction((client) => releaseClaimant(client, claimant)),
    recordOutcome: async (update) => {
      await writer.enqueue({ kind: "outcome", update });
    },
    async listDeliveries(query) {
      await writer.barrier();
      // The stream (null: every stream) keeps a bot's webhook to its own deliveries.
      const rows = await read<DeliveryRow>(
        pool,
        `SELECT ${DELIVERY_COLUMNS} FROM deliveries d JOIN events e ON e.id = d.event_id
         WHERE d.state = $1 AND d.event_id > $2 AND ($3::text IS NULL OR d.stream = $3)
           AND ($4::text IS NULL OR d.conversation = $4)
         ORDER BY d.event_id LIMIT $5`,
        [
          query.state,
          query.after ?? "0",
          query.stream ?? null,
          query.conversation ?? null,
          query.limit,
        ],
      );
      return rows.map(toDelivery);
    },
    async getDelivery(id) {
      await writer.barrier();
      const row = await readOne<DeliveryRow>(pool, byIdSql, [id]);
      return row ? toDelivery(row) : undefined;
    },
    requeueDelivery: (id, claim) =>
      writer.transaction(async (client) => {
        const { rows } = await client.query<{ stream: string }>(
          "SELECT stream FROM deliveries WHERE event_id = $1",
          [id],
        );
        const stream = rows[0]?.stream;
        if (stream === undefined) return undefined;
        // An older row turning pending again may become its conversation's head.
        await lockClaims(client, [stream]);
        const context = await claimContext(client);
        if (claim) await leaseClaimant(context, claim);
        const changed = await client.query(
          `UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = $1,
             updated_at = $1, claimant = $2 WHERE event_id = $3 AND state <> 'delivered'`,
          [context.now, claim?.claimant ?? null, id],
        );
        if (changed.rowCount === 0) return undefined;
        const row = (await client.query<DeliveryRow>(byIdSql, [id])).rows[0];
        return row ? toDelivery(row) : undefined;
      }),
    async backlog(stream): Promise<Backlog> {
      await writer.barrier();
      // Two statements, each within its partial index (a delivered row is never read).
      const only = stream ?? null;
      const pending = await readOne<{ n: string; oldest: string | null }>(
        pool,
        `SELECT count(*)::text AS n, min(e.time)::text AS oldest
         FROM deliveries d JOIN events e ON e.id = d.event_id
         WHERE d.state = 'pending' AND ($1::text IS NULL OR d.stream = $1)`,
        [only],
      );
      const failed = await readOne<{ n: string }>(
        pool,
        `SELECT count(*)::text AS n FROM deliveries
         WHERE state = 'failed' AND ($1::text IS NULL OR stream = $1)`,
        [only],
      );
      return {
        pending: Number(pending?.n ?? 0),
        oldestPendingAt: pending?.oldest == null ? undefined : Number(pending.oldest),
        failed: Number(failed?.n ?? 0),
      };
    },
  };
}
