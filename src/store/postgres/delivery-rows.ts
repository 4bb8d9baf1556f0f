import type { StanzaKind } from "../../stanza/kinds.js";
import type { Delivery, DeliveryState } from "../deliveries.js";

/** A delivery as selected with DELIVERY_COLUMNS (deliveries d JOIN events e); bigints as text. */
export interface DeliveryRow {
  id: string;
  stream: string;
  time: string;
  kind: StanzaKind;
  stanza: string;
  conversation: string;
  state: DeliveryState;
  attempts: number;
  next_attempt_at: string;
  updated_at: string;
  last_error: string | null;
}

export const DELIVERY_COLUMNS = `
  e.id::text AS id, e.stream, e.time::text AS time, e.kind, e.stanza, d.conversation, d.state,
  d.attempts, d.next_attempt_at::text AS next_attempt_at, d.updated_at::text AS updated_at,
  d.last_error`;

export function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    stream: row.stream,
    time: Number(row.time),
    kind: row.kind,
    stanza: row.stanza,
    conversation: row.conversation,
    state: row.state,
    attempts: row.attempts,
    nextAttemptAt: Number(row.next_attempt_at),
    updatedAt: Number(row.updated_at),
    lastError: row.last_error ?? undefined,
  };
}
