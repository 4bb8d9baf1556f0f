import { StanzaError } from "../stanza/errors.js";
import type { EventLog } from "../store/events.js";
import { compareIds, isId } from "../store/ids.js";

function badRequest(text: string): StanzaError {
  return new StanzaError("modify", "bad-request", { text, status: 400 });
}

/** Reads an event id from a query parameter or Last-Event-ID; 400 when it is not one. */
export function parseAfter(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (!isId(text)) {
    throw badRequest(`${name} must be an event id (a whole number, e.g. 0 or 42)`);
  }
  return text;
}

/**
 * Where a consumer starts. With a position (`after`, or SSE's Last-Event-ID) it
 * starts there, and everything up to it counts as acknowledged (Telegram's
 * offset rule; never past the newest event, so a typo cannot hide what comes
 * next). Without one it starts after the last acknowledged event, so nothing
 * unacknowledged is missed.
 */
export async function startPosition(
  store: Pick<EventLog, "acknowledge" | "ackedEventId" | "lastEventId">,
  stream: string,
  after: string | undefined,
): Promise<string> {
  if (after === undefined) return store.ackedEventId(stream);
  const last = await store.lastEventId(stream);
  await store.acknowledge(stream, compareIds(after, last) > 0 ? last : after);
  return after;
}
