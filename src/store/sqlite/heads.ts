/**
 * Which claimant holds the head of a conversation, as far as this process has seen: lets an
 * append claim its delivery without looking the head up (the receive path's hot statement).
 * One process holds the file (./lock.ts), so every change of a head goes through this store.
 *
 * An entry "C" means: the conversation's oldest pending row is C's, or it has none. It is set
 * only after that was checked, and dropped on everything that could make it false: a pending
 * row that is not C's joining the conversation (an append unclaimed or claimed by another),
 * a requeue (an older row turns pending again), another claimant taking rows (a lapsed lease),
 * a release. When the head is delivered, the next pending row is C's too, since no other row
 * joined behind it. Forgetting is always safe: the next append looks the head up again.
 */
export interface HeadCache {
  /** The cache's key of a conversation (made once per append: the hot path). */
  key(stream: string, conversation: string): string;
  /** True when `claimant` is known to hold the head of the conversation (or it has none). */
  holds(key: string, claimant: string): boolean;
  set(key: string, claimant: string): void;
  forget(key: string): void;
  forgetAll(): void;
}

/** More conversations than this and the cache starts over (it is a shortcut, not a record). */
const LIMIT = 50_000;

export function createHeadCache(): HeadCache {
  const holders = new Map<string, string>();
  return {
    key: (stream, conversation) => `${stream}\u0000${conversation}`,
    holds: (key, claimant) => holders.get(key) === claimant,
    set(key, claimant) {
      if (holders.size >= LIMIT) holders.clear();
      holders.set(key, claimant);
    },
    forget(key) {
      holders.delete(key);
    },
    forgetAll() {
      holders.clear();
    },
  };
}
