import type pg from "pg";
import type { NewOutboxEntry } from "../cluster.js";
import type { ConversationRecord } from "../contacts.js";
import type { ClaimLease, DeliveryUpdate } from "../deliveries.js";
import type { AppendedEvent, NewEvent } from "../events.js";
import type { HistoryEntry, HistoryInput, HistoryTarget, MessageChange } from "../history.js";
import type { RoomMessage, RoomMessageInput, RoomMessageTarget } from "../rooms.js";
import { lockClaims } from "./claim-lock.js";
import { amendHistoryRow, amendRoomRow, roomMessageOf } from "./message-rows.js";

/**
 * The writes the store groups into one commit (./writer.ts), and how a group is written: one
 * multi-row statement per kind (unnest of arrays), so a commit of a hundred appends costs a
 * handful of round trips and one sync of the log.
 */
export type WriteOp =
  | { readonly kind: "append"; readonly event: NewEvent; readonly claim: ClaimLease | undefined }
  | { readonly kind: "history"; readonly input: HistoryInput }
  | { readonly kind: "room"; readonly input: RoomMessageInput }
  | {
      readonly kind: "amend-history";
      readonly owner: string;
      readonly target: HistoryTarget;
      readonly change: MessageChange;
    }
  | {
      readonly kind: "amend-room";
      readonly owner: string;
      readonly room: string;
      readonly target: RoomMessageTarget;
      readonly change: MessageChange;
    }
  | { readonly kind: "outcome"; readonly update: DeliveryUpdate }
  | { readonly kind: "ack"; readonly stream: string; readonly id: string }
  | { readonly kind: "archive-id"; readonly jid: string; readonly archiveId: string }
  | {
      readonly kind: "conversation";
      readonly owner: string;
      readonly conversation: ConversationRecord;
    }
  | { readonly kind: "outbox"; readonly entry: NewOutboxEntry; readonly time: number | null };

/** What each kind of op resolves with. */
export type WriteResult = AppendedEvent | HistoryEntry | RoomMessage | string | boolean | undefined;

/** Progress only (outcomes, positions): a commit of nothing else may skip the log sync. */
export const isDurable = (op: WriteOp) =>
  op.kind !== "outcome" &&
  op.kind !== "ack" &&
  op.kind !== "archive-id" &&
  op.kind !== "conversation";
/** Writes only the link holder makes (what it receives): checked against its lease. */
export const isFenced = (op: WriteOp) =>
  op.kind === "append" || op.kind === "room" || op.kind === "amend-room";

/** Ids drawn from a sequence, `n` of them, in increasing order. */
async function drawIds(client: pg.ClientBase, sequence: string, n: number) {
  const { rows } = await client.query<{ id: string; now: string }>(
    `SELECT nextval('${sequence}')::text AS id, xr_now_ms()::text AS now FROM generate_series(1, $1)`,
    [n],
  );
  const ids = rows.map((r) => BigInt(r.id)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { ids: ids.map(String), dbNow: Number(rows[0]?.now ?? Date.now()) };
}

/** Runs the ops in one transaction the caller opened; results in the ops' order. */
export async function executeBatch(
  client: pg.ClientBase,
  ops: readonly WriteOp[],
  clock: number | null,
  instance: string,
): Promise<WriteResult[]> {
  const results: WriteResult[] = new Array(ops.length).fill(undefined);
  const indices = (kind: WriteOp["kind"]) => ops.flatMap((op, i) => (op.kind === kind ? [i] : []));
  // Progress first: an outcome of this turn can make a later append's row a head.
  await recordOutcomes(client, ops, indices("outcome"), clock);
  await recordAcks(client, ops, indices("ack"));
  await recordArchiveIds(client, ops, indices("archive-id"));
  await recordConversations(client, ops, indices("conversation"));
  await appendEvents(client, ops, indices("append"), clock, results, instance);
  await appendHistory(client, ops, indices("history"), clock, results);
  await appendRoomMessages(client, ops, indices("room"), clock, results);
  // After the appends: a change may be for a message appended in this very commit.
  await amendMessages(client, ops, results);
  await addToOutbox(client, ops, indices("outbox"), results, instance);
  return results;
}

async function recordOutcomes(
  client: pg.ClientBase,
  ops: readonly WriteOp[],
  at: number[],
  clock: number | null,
) {
  if (at.length === 0) return;
  // The last outcome of a delivery in this commit is the one that counts.
  const last = new Map<string, DeliveryUpdate>();
  for (const i of at) {
    const op = ops[i];
    if (op?.kind === "outcome") last.set(op.update.id, op.update);
  }
  const updates = [...last.values()];
  await client.query(
    `UPDATE deliveries d SET state = u.state, attempts = u.attempts,
       next_attempt_at = CASE WHEN u.state = 'pending' THEN u.next ELSE d.next_attempt_at END,
       last_error = u.err, updated_at = coalesce($6::bigint, xr_now_ms())
     FROM unnest($1::bigint[], $2::text[], $3::int[], $4::bigint[], $5::text[])
       AS u(id, state, attempts, next, err)
     WHERE d.event_id = u.id`,
    [
      updates.map((u) => u.id),
      updates.map((u) => u.state),
      updates.map((u) => u.attempts),
      updates.map((u) => (u.state === "pending" ? u.nextAttemptAt : null)),
      updates.map((u) => (u.state === "delivered" ? null : u.lastError)),
      clock,
    ],
  );
}

/** Each account's newest archive id of the commit (the last asked for: ids are not ordered). */
async function recordArchiveIds(client: pg.ClientBase, ops: readonly WriteOp[], at: number[]) {
  if (at.length === 0) return;
  const last = new Map<string, string>();
  for (const i of at) {
    const op = ops[i];
    if (op?.kind === "archive-id") last.set(op.jid, op.archiveId);
  }
  await client.query(
    `UPDATE accounts a SET last_archive_id = u.id
     FROM unnest($1::text[], $2::text[]) AS u(jid, id) WHERE a.jid = u.jid`,
    [[...last.keys()], [...last.values()]],
  );
}

/** An account's conversations as they are after this turn: the last of each wins. */
async function recordConversations(client: pg.ClientBase, ops: readonly WriteOp[], at: number[]) {
  if (at.length === 0) return;
  const last = new Map<string, { owner: string; conversation: ConversationRecord }>();
  for (const i of at) {
    const op = ops[i];
    if (op?.kind !== "conversation") continue;
    last.set(`${op.owner}\u0000${op.conversation.with}`, op);
  }
  const rows = [...last.values()];
  await client.query(
    `INSERT INTO account_conversations (owner, peer, last_time, conversation)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[])
     ON CONFLICT (owner, peer) DO UPDATE SET last_time = excluded.last_time,
       conversation = excluded.conversation`,
    [
      rows.map((r) => r.owner),
      rows.map((r) => r.conversation.with),
      rows.map((r) => r.conversation.last.time),
      rows.map((r) => JSON.stringify(r.conversation)),
    ],
  );
}

async function recordAcks(client: pg.ClientBase, ops: readonly WriteOp[], at: number[]) {
  if (at.length === 0) return;
  const highest = new Map<string, bigint>();
  for (const i of at) {
    const op = ops[i];
    if (op?.kind !== "ack") continue;
    const id = BigInt(op.id);
    if ((highest.get(op.stream) ?? -1n) < id) highest.set(op.stream, id);
  }
  await client.query(
    `INSERT INTO stream_positions (stream, acked) SELECT * FROM unnest($1::text[], $2::bigint[])
     ON CONFLICT (stream) DO UPDATE SET acked = greatest(stream_positions.acked, excluded.acked)`,
    [[...highest.keys()], [...highest.values()].map(String)],
  );
}

/**
 * Events and their deliveries. An append with a claim is claimed only behind the claimant's
 * own head (its conversation's oldest pending row is the claimant's, or there is none), read
 * under the stream's claim lock so that no claim elsewhere takes the conversation meanwhile.
 */
async function appendEvents(
  client: pg.ClientBase,
  ops: readonly WriteOp[],
  at: number[],
  clock: number | null,
  results: WriteResult[],
  instance: string,
) {
  if (at.length === 0) return;
  const appends = at.map((i) => ops[i] as Extract<WriteOp, { kind: "append" }>);
  const { ids, dbNow } = await drawIds(client, "events_id_seq", appends.length);
  const time = clock ?? dbNow;
  const key = (stream: string, conversation: string) => `${stream}\u0000${conversation}`;
  const asked = appends.filter((a) => a.claim && a.event.conversation !== undefined);
  // Per conversation asked about: the claimant of its head, null for a head of nobody's,
  // absent for no pending row at all.
  const heads = new Map<string, string | null>();
  if (asked.length > 0) {
    await lockClaims(client, [...new Set(asked.map((a) => a.event.stream))]);
    const pairs = [...new Set(asked.map((a) => key(a.event.stream, a.event.conversation ?? "")))];
    const { rows } = await client.query<{
      stream: string;
      conversation: string;
      claimant: string | null;
    }>(
      `SELECT DISTINCT ON (d.stream, d.conversation) d.stream, d.conversation, d.claimant
       FROM deliveries d JOIN unnest($1::text[], $2::text[]) AS p(stream, conversation)
         ON d.stream = p.stream AND d.conversation = p.conversation
       WHERE d.state = 'pending' ORDER BY d.stream, d.conversation, d.event_id`,
      [pairs.map((p) => p.split("\u0000")[0]), pairs.map((p) => p.split("\u0000")[1])],
    );
    for (const row of rows) heads.set(key(row.stream, row.conversation), row.claimant);
  }
  const delivered: { id: string; stream: string; conversation: string; claimant: string | null }[] =
    [];
  appends.forEach((append, n) => {
    const id = ids[n] as string;
    const { stream, conversation } = append.event;
    let claimed = false;
    if (conversation !== undefined) {
      const k = key(stream, conversation);
      const head = heads.get(k);
      const claimant = append.claim?.claimant;
      if (claimant !== undefined && (head === undefined || head === claimant)) {
        claimed = true;
        if (head === undefined) heads.set(k, claimant);
      } else if (head === undefined) heads.set(k, null);
      delivered.push({ id, stream, conversation, claimant: claimed ? (claimant ?? null) : null });
    }
    results[at[n] as number] = { id, time, claimed };
  });
  await client.query(
    `INSERT INTO events (id, stream, time, kind, stanza)
     SELECT id, stream, $3, kind, stanza FROM unnest($1::bigint[], $2::text[], $4::text[], $5::text[])
       AS u(id, stream, kind, stanza)`,
    [
      ids,
      appends.map((a) => a.event.stream),
      time,
      appends.map((a) => a.event.kind),
      appends.map((a) => a.event.stanza),
    ],
  );
  if (delivered.length > 0) {
    await client.query(
      `INSERT INTO deliveries (event_id, stream, conversation, state, next_attempt_at, updated_at, claimant)
       SELECT id, stream, conversation, 'pending', $4, $4, claimant
       FROM unnest($1::bigint[], $2::text[], $3::text[], $5::text[]) AS u(id, stream, conversation, claimant)`,
      [
        delivered.map((d) => d.id),
        delivered.map((d) => d.stream),
        delivered.map((d) => d.conversation),
        time,
        delivered.map((d) => d.claimant),
      ],
    );
  }
  // A doorbell for the other processes' readers (one per commit; the payload says who rang).
  await client.query("SELECT pg_notify('xr_events', $1)", [instance]);
}

async function appendHistory(
  client: pg.ClientBase,
  ops: readonly WriteOp[],
  at: number[],
  _clock: number | null,
  results: WriteResult[],
) {
  if (at.length === 0) return;
  const inputs = at.map((i) => (ops[i] as Extract<WriteOp, { kind: "history" }>).input);
  const { ids } = await drawIds(client, "history_id_seq", inputs.length);
  await client.query(
    `INSERT INTO history (id, owner, direction, peer, sender, recipient, type, body, stanza, time,
       message_id)
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],
       $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[], $11::text[])`,
    [
      ids,
      inputs.map((e) => e.owner),
      inputs.map((e) => e.direction),
      inputs.map((e) => e.peer),
      inputs.map((e) => e.from),
      inputs.map((e) => e.to),
      inputs.map((e) => e.type),
      inputs.map((e) => e.body),
      inputs.map((e) => e.stanza),
      inputs.map((e) => e.time),
      inputs.map((e) => e.messageId ?? ""),
    ],
  );
  inputs.forEach((input, n) => {
    const { owner: _owner, peer: _peer, messageId, ...shown } = input;
    results[at[n] as number] = {
      ...shown,
      id: ids[n] as string,
      ...(messageId ? { messageId } : {}),
    };
  });
}

async function appendRoomMessages(
  client: pg.ClientBase,
  ops: readonly WriteOp[],
  at: number[],
  _clock: number | null,
  results: WriteResult[],
) {
  if (at.length === 0) return;
  const inputs = at.map((i) => (ops[i] as Extract<WriteOp, { kind: "room" }>).input);
  const { ids } = await drawIds(client, "room_messages_id_seq", inputs.length);
  await client.query(
    `INSERT INTO room_messages (id, owner, room, nick, sender, body, stanza, time, message_id,
       origin_id, stanza_id, own)
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],
       $6::text[], $7::text[], $8::bigint[], $9::text[], $10::text[], $11::text[], $12::boolean[])`,
    [
      ids,
      inputs.map((m) => m.owner),
      inputs.map((m) => m.room),
      inputs.map((m) => m.nick),
      inputs.map((m) => m.from),
      inputs.map((m) => m.body),
      inputs.map((m) => m.stanza),
      inputs.map((m) => m.time),
      inputs.map((m) => m.messageId ?? ""),
      inputs.map((m) => m.originId ?? null),
      inputs.map((m) => m.stanzaId ?? null),
      inputs.map((m) => m.own === true),
    ],
  );
  inputs.forEach((input, n) => {
    results[at[n] as number] = roomMessageOf(ids[n] as string, input);
  });
}

/** Corrections and retractions, in the order they were asked for (rare: one statement each). */
async function amendMessages(
  client: pg.ClientBase,
  ops: readonly WriteOp[],
  results: WriteResult[],
) {
  for (const [i, op] of ops.entries()) {
    if (op.kind === "amend-history") {
      results[i] = await amendHistoryRow(client, op.owner, op.target, op.change);
    } else if (op.kind === "amend-room") {
      results[i] = await amendRoomRow(client, op, op.change);
    }
  }
}

async function addToOutbox(
  client: pg.ClientBase,
  ops: readonly WriteOp[],
  at: number[],
  results: WriteResult[],
  instance: string,
) {
  if (at.length === 0) return;
  const adds = at.map((i) => ops[i] as Extract<WriteOp, { kind: "outbox" }>);
  const { ids, dbNow } = await drawIds(client, "outbox_id_seq", adds.length);
  const entries = adds.map((a) => a.entry);
  await client.query(
    `INSERT INTO outbox (id, stanza, kind, waiter, responder, stanza_id, mam_query_id, deadline,
       claim, created_at)
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],
       $6::text[], $7::text[], $8::bigint[], $9::text[], $10::bigint[])`,
    [
      ids,
      entries.map((e) => e.stanza),
      entries.map((e) => e.kind),
      entries.map((e) => e.waiter ?? null),
      entries.map((e) => e.responder ?? null),
      entries.map((e) => e.stanzaId ?? null),
      entries.map((e) => e.mamQueryId ?? null),
      entries.map((e) => e.deadline ?? null),
      entries.map((e) => e.claim ?? null),
      adds.map((a) => a.time ?? dbNow),
    ],
  );
  at.forEach((i, n) => {
    results[i] = ids[n] as string;
  });
  await client.query("SELECT pg_notify('xr_outbox', $1)", [instance]);
}
