import type pg from "pg";

/** The first key of the per-stream claim locks (two-int advisory locks). */
const CLAIM_LOCK = 0x78722d63;

/**
 * Takes the claim lock of each stream for the rest of the transaction, in one order (sorted)
 * so that two transactions never wait on each other in a circle. Whoever decides who holds a
 * conversation's head (a claim, an append with a claim, a requeue) holds it: reading the head
 * and taking the row happen as one step across processes, so a conversation is never
 * delivered by two claimants at once.
 */
export async function lockClaims(client: pg.ClientBase, streams: readonly string[]) {
  for (const stream of [...streams].sort()) {
    await client.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [CLAIM_LOCK, stream]);
  }
}
