import type pg from "pg";
import { busy } from "../../stanza/errors.js";
import type { NewOutboxEntry, Outbox, OutboxAnswer, OutboxEntry, OutboxKind } from "../cluster.js";
import { FencedError } from "../errors.js";
import { type FenceState, holdsLease } from "./fence.js";
import { readOne } from "./query.js";
import type { PgWriter } from "./writer.js";

interface OutboxRow {
  id: string;
  stanza: string;
  kind: OutboxKind;
  waiter: string | null;
  responder: string | null;
  stanza_id: string | null;
  mam_query_id: string | null;
  deadline: string | null;
  claim: string | null;
}

const toEntry = (row: OutboxRow): OutboxEntry => ({
  id: row.id,
  stanza: row.stanza,
  kind: row.kind,
  waiter: row.waiter ?? undefined,
  responder: row.responder ?? undefined,
  stanzaId: row.stanza_id ?? undefined,
  mamQueryId: row.mam_query_id ?? undefined,
  deadline: row.deadline === null ? undefined : Number(row.deadline),
  claim: row.claim ?? undefined,
});

/** The doorbell of the waiters: "<waiter instance> <outbox id>". */
export const ANSWERS_CHANNEL = "xr_answers";

export interface OutboxOptions {
  readonly pool: pg.Pool;
  readonly writer: PgWriter;
  readonly fence: () => FenceState;
  readonly clock: () => number | null;
  /** Rows not yet done beyond which add() answers 503 resource-constraint. */
  readonly limit: number;
}

/**
 * The outbox: stanzas any process accepted, for the link holder to send, in id order. A row
 * is pending, then written (by an epoch), then done (deleted) once a barrier the holder sent
 * after it came back; an iq waits as "answered" until its waiter collects the reply. The
 * holder's writes are fenced by its lease, as the log's appends are.
 */
export function createPgOutbox(options: OutboxOptions): Outbox & { refreshDepth(): Promise<void> } {
  const { pool, writer, fence, clock, limit } = options;
  // Counted now and then (and by this process's adds in between): the limit is a guard
  // against unbounded growth, not an exact quota.
  let depth = 0;

  const fenced = async (client: pg.ClientBase) => {
    const state = fence();
    if (state.on && !(await holdsLease(client, state))) {
      throw new FencedError("this process does not hold the link's lease");
    }
    return state;
  };

  const count = async () =>
    Number(
      (
        await readOne<{ n: string }>(
          pool,
          "SELECT count(*)::text AS n FROM outbox WHERE state <> 'answered'",
        )
      )?.n ?? 0,
    );

  return {
    async add(entry: NewOutboxEntry) {
      if (depth >= limit) {
        throw busy(`${limit} stanzas already wait for the XMPP link; retry later`);
      }
      depth += 1;
      return (await writer.enqueue({ kind: "outbox", entry, time: clock() })) as string;
    },
    take: (n) =>
      writer.transaction(async (client) => {
        const { lease } = await fenced(client);
        // iqs whose waiter gave up are not worth sending.
        await client.query(
          "DELETE FROM outbox WHERE state = 'pending' AND deadline < coalesce($1::bigint, xr_now_ms())",
          [clock()],
        );
        const { rows } = await client.query<OutboxRow>(
          `UPDATE outbox SET state = 'written', epoch = $2 WHERE id IN
             (SELECT id FROM outbox WHERE state = 'pending' ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
           RETURNING id::text AS id, stanza, kind, waiter, responder, stanza_id, mam_query_id,
             deadline::text AS deadline, claim`,
          [n, lease?.epoch ?? null],
        );
        return rows.map(toEntry).sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
      }),
    async done(ids) {
      if (ids.length === 0) return;
      await writer.transaction((client) =>
        client.query("DELETE FROM outbox WHERE id = ANY($1::bigint[]) AND state = 'written'", [
          ids,
        ]),
      );
      depth = Math.max(0, depth - ids.length);
    },
    resend: () =>
      writer.transaction(async (client) => {
        await fenced(client);
        const result = await client.query(
          "UPDATE outbox SET state = 'pending', epoch = NULL WHERE state = 'written'",
        );
        return result.rowCount ?? 0;
      }),
    answer: (id, answer: OutboxAnswer) =>
      writer.transaction(async (client) => {
        const { rows } = await client.query<{ waiter: string | null }>(
          `UPDATE outbox SET state = 'answered', reply = $2, results = $3::text[]
           WHERE id = $1 AND state <> 'answered' RETURNING waiter`,
          [id, answer.reply, answer.results],
        );
        const waiter = rows[0]?.waiter;
        if (waiter)
          await client.query("SELECT pg_notify($1, $2)", [ANSWERS_CHANNEL, `${waiter} ${id}`]);
      }),
    async collect(id) {
      const rows = await writer.transaction((client) =>
        client
          .query<{ reply: string; results: string[] | null }>(
            "DELETE FROM outbox WHERE id = $1 AND state = 'answered' RETURNING reply, results",
            [id],
          )
          .then((r) => r.rows),
      );
      const row = rows[0];
      if (!row) return undefined;
      depth = Math.max(0, depth - 1);
      return { reply: row.reply, results: row.results ?? [] };
    },
    async abandon(id) {
      await writer.transaction((client) => client.query("DELETE FROM outbox WHERE id = $1", [id]));
      depth = Math.max(0, depth - 1);
    },
    depth: count,
    async refreshDepth() {
      depth = await count();
    },
  };
}
