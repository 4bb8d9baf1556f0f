/**
 * Per-conversation scheduling, with no I/O of its own: items of one conversation
 * run one at a time in the order pushed; a failed item stays at the head of its
 * conversation until its retry time (head of line), and the conversation holds no
 * slot while it waits; different conversations run in parallel up to `concurrency`.
 */

/** What running an item decided: done with it, or run it again at this time (ms). */
export type RunResult = { readonly retryAt: number } | undefined;

export interface SchedulerOptions<T> {
  readonly concurrency: number;
  /** Runs one item. A rejection counts as done (the runner must record failures itself). */
  readonly run: (item: T, conversation: string) => Promise<RunResult>;
  /** A conversation has nothing left in memory (its last item finished). */
  readonly onEmpty?: (conversation: string) => void;
  readonly now?: () => number;
  readonly setTimer?: (fn: () => void, ms: number) => unknown;
  readonly clearTimer?: (timer: unknown) => void;
}

export interface Scheduler<T> {
  /** Appends to the conversation; `notBefore` (ms) delays it when it reaches the head. */
  push(conversation: string, item: T, notBefore?: number): void;
  /** A waiting conversation retries its head now; false when it was not waiting. */
  wake(conversation: string): boolean;
  /** Items held for a conversation, including one running or waiting. */
  size(conversation: string): number;
  /** Items held, running or not. */
  readonly held: number;
  readonly running: number;
  /** Conversations waiting for a retry time. */
  readonly waiting: number;
  /** Items held by conversations waiting for a retry time (none of them can start). */
  readonly heldWaiting: number;
  /** Starts nothing new and cancels retry timers; resolves once running items finish. */
  close(): Promise<void>;
}

interface Entry<T> {
  readonly item: T;
  notBefore: number;
}

interface Conversation<T> {
  readonly key: string;
  readonly entries: Entry<T>[];
  /** Index of the head in `entries` (shifting arrays is O(n)). */
  head: number;
  state: "ready" | "running" | "waiting" | "idle";
  timer: unknown;
}

export function createScheduler<T>(options: SchedulerOptions<T>): Scheduler<T> {
  const now = options.now ?? Date.now;
  const setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms).unref());
  const clearTimer =
    options.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>));
  const conversations = new Map<string, Conversation<T>>();
  // Conversations whose head may start, oldest first.
  const ready: Conversation<T>[] = [];
  let readyHead = 0;
  const inFlight = new Set<Promise<void>>();
  let held = 0;
  let waiting = 0;
  let heldWaiting = 0;
  let closed = false;

  const length = (c: Conversation<T>) => c.entries.length - c.head;

  const makeReady = (c: Conversation<T>) => {
    c.state = "ready";
    ready.push(c);
  };

  const leaveWaiting = (c: Conversation<T>) => {
    waiting -= 1;
    heldWaiting -= length(c);
  };

  const waitUntil = (c: Conversation<T>, at: number) => {
    c.state = "waiting";
    waiting += 1;
    heldWaiting += length(c);
    c.timer = setTimer(
      () => {
        c.timer = undefined;
        if (c.state !== "waiting") return;
        leaveWaiting(c);
        makeReady(c);
        pump();
      },
      Math.max(0, at - now()),
    );
  };

  /** The head is next: start it now or wait for its time. */
  const schedule = (c: Conversation<T>) => {
    const entry = c.entries[c.head];
    if (!entry) {
      c.state = "idle";
      conversations.delete(c.key);
      options.onEmpty?.(c.key);
      return;
    }
    if (entry.notBefore > now()) waitUntil(c, entry.notBefore);
    else makeReady(c);
  };

  const finish = (c: Conversation<T>, result: RunResult) => {
    if (result && !closed) {
      const entry = c.entries[c.head];
      if (entry) entry.notBefore = result.retryAt;
    } else if (!result) {
      c.head += 1;
      held -= 1;
      if (c.head > 64 && c.head * 2 > c.entries.length) {
        c.entries.splice(0, c.head);
        c.head = 0;
      }
    }
    if (closed) {
      c.state = "idle";
      return;
    }
    schedule(c);
  };

  const start = (c: Conversation<T>) => {
    const entry = c.entries[c.head] as Entry<T>;
    c.state = "running";
    const run: Promise<void> = Promise.resolve()
      .then(() => options.run(entry.item, c.key))
      .then(
        (result) => result,
        () => undefined,
      )
      .then((result) => {
        inFlight.delete(run);
        finish(c, result);
        pump();
      });
    inFlight.add(run);
  };

  function pump() {
    while (!closed && inFlight.size < options.concurrency && readyHead < ready.length) {
      const c = ready[readyHead++] as Conversation<T>;
      if (c.state === "ready") start(c);
    }
    if (readyHead > 1024 && readyHead * 2 > ready.length) {
      ready.splice(0, readyHead);
      readyHead = 0;
    }
  }

  return {
    push(key, item, notBefore = 0) {
      let c = conversations.get(key);
      if (!c) {
        c = { key, entries: [], head: 0, state: "idle", timer: undefined };
        conversations.set(key, c);
      }
      c.entries.push({ item, notBefore });
      held += 1;
      if (c.state === "waiting") heldWaiting += 1;
      if (c.state === "idle" && !closed) {
        schedule(c);
        pump();
      }
    },
    wake(key) {
      const c = conversations.get(key);
      if (c?.state !== "waiting" || closed) return false;
      clearTimer(c.timer);
      c.timer = undefined;
      leaveWaiting(c);
      const entry = c.entries[c.head];
      if (entry) entry.notBefore = 0;
      makeReady(c);
      pump();
      return true;
    },
    size(key) {
      const c = conversations.get(key);
      return c ? length(c) : 0;
    },
    get held() {
      return held;
    },
    get running() {
      return inFlight.size;
    },
    get waiting() {
      return waiting;
    },
    get heldWaiting() {
      return heldWaiting;
    },
    async close() {
      closed = true;
      for (const c of conversations.values()) {
        if (c.timer !== undefined) clearTimer(c.timer);
        c.timer = undefined;
      }
      waiting = 0;
      heldWaiting = 0;
      await Promise.allSettled([...inFlight]);
    },
  };
}
