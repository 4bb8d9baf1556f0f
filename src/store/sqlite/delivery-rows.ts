import type { StanzaKind } from "../../stanza/kinds.js";
import type { Delivery, DeliveryState } from "../deliveries.js";

/** A delivery as selected with DELIVERY_COLUMNS (deliveries d JOIN events e). */
export interface DeliveryRow {
  id: number;
  stream: string;
  time: number;
  kind: StanzaKind;
  stanza: string;
  conversation: string;
  state: DeliveryState;
  attempts: number;
  next_attempt_at: number;
  updated_at: number;
  last_error: string | null;
}

export const DELIVERY_COLUMNS = `
  e.id, e.stream, e.time, e.kind, e.stanza, d.conversation, d.state, d.attempts,
  d.next_attempt_at, d.updated_at, d.last_error`;

export function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: String(row.id),
    stream: row.stream,
    time: row.time,
    kind: row.kind,
    stanza: row.stanza,
    conversation: row.conversation,
    state: row.state,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    updatedAt: row.updated_at,
    lastError: row.last_error ?? undefined,
  };
}
