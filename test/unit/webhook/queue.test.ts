import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/log.js";
import { GLOBAL_STREAM } from "../../../src/owner.js";
import { openStore, type Store } from "../../../src/store/index.js";
import {
  type AttemptResult,
  createDurableQueue,
  type QueuedDelivery,
} from "../../../src/webhook/queue.js";

let dir: string;
let store: Store;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "xmpp-rest-queue-"));
  store = await openStore(join(dir, "store.db"));
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const event = (conversation: string, n: number) => ({
  stream: GLOBAL_STREAM,
  kind: "message" as const,
  stanza: `<message><body>${conversation}:${n}</body></message>`,
  conversation,
});

const bodyOf = (q: QueuedDelivery) => /<body>([^<]*)</.exec(q.delivery.stanza)?.[1] ?? "";

/** Resolves once check() holds, polling the event loop (no timers). */
async function until(check: () => boolean, what: string) {
  for (let i = 0; i < 10_000; i++) {
    if (check()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`never: ${what}`);
}

/** Resolves once check() holds, looking every few ms until the deadline (for lease timers). */
async function within(check: () => boolean, what: string, ms = 5_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("the durable queue", () => {
  it("keeps order per conversation beyond its memory window, and commits before delivering", async () => {
    const delivered: string[] = [];
    const queue = createDurableQueue({
      store,
      stream: GLOBAL_STREAM,
      concurrency: 3,
      window: 4,
      perConversation: 2,
      log: silentLogger,
      attempt: async (q): Promise<AttemptResult> => {
        // Write-ahead: what is being delivered is already in the store.
        expect(await store.getDelivery(q.delivery.id)).toBeDefined();
        delivered.push(bodyOf(q));
        return { state: "delivered" };
      },
    });
    await queue.start();
    const sent: string[] = [];
    for (let n = 0; n < 30; n++) {
      for (const c of ["a", "b", "c"]) {
        sent.push(`${c}:${n}`);
        void queue.enqueue(event(c, n));
      }
    }
    await until(() => delivered.length === sent.length, "all delivered");
    for (const c of ["a", "b", "c"]) {
      expect(delivered.filter((d) => d.startsWith(`${c}:`))).toEqual(
        sent.filter((d) => d.startsWith(`${c}:`)),
      );
    }
    await queue.stop();
    expect(await store.backlog()).toMatchObject({ pending: 0, failed: 0 });
  });

  it("does not let a conversation stuck in retries starve the others", async () => {
    const delivered: string[] = [];
    const queue = createDurableQueue({
      store,
      stream: GLOBAL_STREAM,
      concurrency: 2,
      window: 4,
      perConversation: 2,
      log: silentLogger,
      attempt: async (q): Promise<AttemptResult> => {
        if (bodyOf(q).startsWith("stuck")) {
          return { state: "pending", retryAt: Date.now() + 3_600_000, error: "HTTP 503" };
        }
        delivered.push(bodyOf(q));
        return { state: "delivered" };
      },
    });
    await queue.start();
    for (let n = 0; n < 20; n++) {
      void queue.enqueue(event(`stuck${n % 5}`, n));
    }
    for (let n = 0; n < 10; n++) void queue.enqueue(event("fine", n));
    await until(() => delivered.length === 10, "the free conversation delivered");
    expect(delivered).toEqual(Array.from({ length: 10 }, (_, n) => `fine:${n}`));
    expect(queue.pending).toBe(20);
    await queue.stop();
  });

  it("picks up what a previous run left, in order, and requeues dead letters on request", async () => {
    const first = createDurableQueue({
      store,
      stream: GLOBAL_STREAM,
      concurrency: 1,
      log: silentLogger,
      attempt: async () => ({ state: "failed", error: "HTTP 404" }),
    });
    await first.start();
    const deadId = await first.enqueue(event("a", 0));
    await until(() => first.pending === 0, "dead-lettered");
    await first.stop();
    // Left pending by a "crash": appended directly.
    await store.append(event("a", 1));
    await store.append(event("a", 2));

    const delivered: string[] = [];
    const second = createDurableQueue({
      store,
      stream: GLOBAL_STREAM,
      concurrency: 4,
      log: silentLogger,
      attempt: async (q) => {
        delivered.push(`${bodyOf(q)}#${q.attempts + 1}`);
        return { state: "delivered" };
      },
    });
    await second.start();
    await until(() => delivered.length === 2, "backlog delivered");
    expect(delivered).toEqual(["a:1#1", "a:2#1"]);
    const retried = await second.retry(deadId);
    expect(retried.status).toBe("requeued");
    await until(() => delivered.length === 3, "dead letter delivered");
    expect(delivered[2]).toBe("a:0#1");
    expect((await second.retry(deadId)).status).toBe("delivered");
    expect((await second.retry("999")).status).toBe("unknown");
    await second.stop();
  });

  it("leaves what another queue holds alone, and takes it over, in order, once that one stops", async () => {
    const byFirst: string[] = [];
    let answerHeld: ((result: AttemptResult) => void) | undefined;
    const first = createDurableQueue({
      store,
      stream: GLOBAL_STREAM,
      concurrency: 4,
      log: silentLogger,
      attempt: (q): Promise<AttemptResult> => {
        byFirst.push(bodyOf(q));
        // Conversation a's head stays in flight: the first queue holds the conversation.
        if (bodyOf(q).startsWith("a:")) return new Promise((resolve) => (answerHeld = resolve));
        return Promise.resolve({ state: "delivered" });
      },
    });
    await first.start();
    await first.enqueue(event("a", 0));
    await first.enqueue(event("a", 1));
    await first.enqueue(event("b", 0));
    await until(
      () => byFirst.includes("b:0") && answerHeld !== undefined,
      "the first queue's attempts",
    );

    const bySecond: string[] = [];
    const second = createDurableQueue({
      store,
      stream: GLOBAL_STREAM,
      concurrency: 4,
      leaseMs: 60,
      log: silentLogger,
      attempt: async (q) => {
        bySecond.push(bodyOf(q));
        return { state: "delivered" };
      },
    });
    await second.start();
    await second.enqueue(event("a", 2));
    await second.enqueue(event("c", 0));
    await until(() => bySecond.length === 1, "the free conversation delivered");
    expect(bySecond).toEqual(["c:0"]);

    // Stopping lets the attempt in flight end (a retry, due now), then gives the claims back.
    const stopping = first.stop();
    answerHeld?.({ state: "pending", retryAt: Date.now(), error: "HTTP 503" });
    await stopping;
    await within(() => bySecond.length === 4, "conversation a taken over");
    expect(bySecond).toEqual(["c:0", "a:0", "a:1", "a:2"]);
    expect(byFirst.sort()).toEqual(["a:0", "b:0"]);
    await second.stop();
    expect(await store.backlog()).toMatchObject({ pending: 0, failed: 0 });
  });
});
