import type { EventLog } from "../store/events.js";
import { compareIds } from "../store/ids.js";

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
