import { type BotStore, compareIds } from "../store/bots.js";

/**
 * Where a consumer starts. With a position (`after`, or SSE's Last-Event-ID) it
 * starts there, and everything up to it counts as acknowledged (Telegram's
 * offset rule; never past the newest event, so a typo cannot hide what comes
 * next). Without one it starts after the last acknowledged event, so nothing
 * unacknowledged is missed.
 */
export async function startPosition(
  store: Pick<BotStore, "acknowledge" | "ackedEventId" | "lastBotEventId">,
  bot: string,
  after: string | undefined,
): Promise<string> {
  if (after === undefined) return store.ackedEventId(bot);
  const last = await store.lastBotEventId(bot);
  await store.acknowledge(bot, compareIds(after, last) > 0 ? last : after);
  return after;
}
