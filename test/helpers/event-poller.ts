import type { BotEvent } from "./event-clients.js";

/** An event with its typed part (README, "Messages, files and commands"). */
export type TypedEvent = BotEvent & {
  readonly event?: Record<string, unknown> & { type: string; id?: string };
  readonly stanza: BotEvent["stanza"] & { room_event?: Record<string, unknown> };
};

export interface EventPoller {
  /** The first event (from where the last call stopped) that matches; earlier ones are passed. */
  next(match: (event: TypedEvent) => boolean, timeoutMs?: number): Promise<TypedEvent>;
  /** Reads to the end of the log and forgets it: what comes next is news. */
  skip(): Promise<void>;
}

/** Reads one bot's events by long-poll (GET .../events?after=&wait=), as a pulling bot does. */
export function eventPoller(url: string, bot: string, token: string): EventPoller {
  return ownerEventPoller(`${url}/v1/bots/${bot}`, token, bot);
}

/** The same for any owner: `base` is its URL (.../v1/bots/{name}, .../v1/accounts/{jid}, .../v1/me). */
export function ownerEventPoller(base: string, token: string, owner: string): EventPoller {
  const seen: TypedEvent[] = [];
  let position = "0";
  const poll = async (wait: number) => {
    const res = await fetch(`${base}/events?after=${position}&wait=${wait}`, {
      headers: { authorization: `Bearer ${token}`, accept: "application/json" },
    });
    if (res.status !== 200) throw new Error(`events: HTTP ${res.status} ${await res.text()}`);
    const events = (await res.json()) as TypedEvent[];
    seen.push(...events);
    if (events.length > 0) position = events[events.length - 1]?.id ?? position;
    return events.length;
  };
  return {
    async next(match, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = seen.find(match);
        if (found) {
          seen.splice(0, seen.indexOf(found) + 1);
          return found;
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no matching event of ${owner} in time`);
        await poll(Math.max(1, Math.min(5, Math.floor(left / 1000))));
      }
    },
    async skip() {
      seen.length = 0;
      while ((await poll(0)) > 0) {}
      seen.length = 0;
    },
  };
}
