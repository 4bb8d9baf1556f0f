import { describe, expect, it } from "vitest";
import { createScheduler, type RunResult } from "../../../src/webhook/scheduler.js";

/** A task the test finishes by hand: the scheduler sees it as running until then. */
interface Task {
  readonly name: string;
  finish(result?: RunResult): void;
}

function harness(concurrency: number) {
  const started: string[] = [];
  const running = new Map<string, Task>();
  let clock = 0;
  const timers: { at: number; fn: () => void }[] = [];
  const scheduler = createScheduler<string>({
    concurrency,
    run: (name) =>
      new Promise<RunResult>((resolve) => {
        started.push(name);
        running.set(name, {
          name,
          finish: (r) => {
            running.delete(name);
            resolve(r);
          },
        });
      }),
    now: () => clock,
    setTimer: (fn, ms) => {
      const timer = { at: clock + ms, fn };
      timers.push(timer);
      return timer;
    },
    clearTimer: (timer) => {
      const i = timers.indexOf(timer as (typeof timers)[number]);
      if (i >= 0) timers.splice(i, 1);
    },
  });
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return {
    scheduler,
    started,
    async finish(name: string, result?: RunResult) {
      const task = running.get(name);
      if (!task) throw new Error(`${name} is not running (running: ${[...running.keys()]})`);
      task.finish(result);
      await settle();
    },
    async advance(ms: number) {
      clock += ms;
      for (const t of timers.filter((t) => t.at <= clock)) {
        timers.splice(timers.indexOf(t), 1);
        t.fn();
      }
      await settle();
    },
    settle,
  };
}

describe("the per-conversation scheduler", () => {
  it("runs one item per conversation at a time, in push order", async () => {
    const h = harness(10);
    h.scheduler.push("a", "a1");
    h.scheduler.push("a", "a2");
    h.scheduler.push("b", "b1");
    await h.settle();
    expect(h.started).toEqual(["a1", "b1"]);
    await h.finish("a1");
    expect(h.started).toEqual(["a1", "b1", "a2"]);
    expect(h.scheduler.held).toBe(2);
  });

  it("keeps a failed item at the head until its retry time, without holding a slot", async () => {
    const h = harness(1);
    h.scheduler.push("a", "a1");
    h.scheduler.push("a", "a2");
    h.scheduler.push("b", "b1");
    await h.settle();
    await h.finish("a1", { retryAt: 100 });
    // b1 takes the only slot while a waits; a2 stays behind a1.
    expect(h.started).toEqual(["a1", "b1"]);
    expect(h.scheduler.waiting).toBe(1);
    await h.finish("b1");
    await h.advance(99);
    expect(h.started).toEqual(["a1", "b1"]);
    await h.advance(1);
    expect(h.started).toEqual(["a1", "b1", "a1"]);
    await h.finish("a1");
    expect(h.started).toEqual(["a1", "b1", "a1", "a2"]);
  });

  it("limits items in flight to the concurrency", async () => {
    const h = harness(2);
    for (const key of ["a", "b", "c", "d"]) h.scheduler.push(key, `${key}1`);
    await h.settle();
    expect(h.scheduler.running).toBe(2);
    expect(h.started).toEqual(["a1", "b1"]);
    await h.finish("b1");
    expect(h.started).toEqual(["a1", "b1", "c1"]);
  });

  it("delays an item pushed with a future notBefore, and wake() starts it now", async () => {
    const h = harness(2);
    h.scheduler.push("a", "a1", 500);
    await h.settle();
    expect(h.started).toEqual([]);
    expect(h.scheduler.wake("a")).toBe(true);
    await h.settle();
    expect(h.started).toEqual(["a1"]);
    expect(h.scheduler.wake("a")).toBe(false);
  });

  it("tells when a conversation has nothing left", async () => {
    const emptied: string[] = [];
    const scheduler = createScheduler<string>({
      concurrency: 1,
      run: async () => undefined,
      onEmpty: (key) => emptied.push(key),
    });
    scheduler.push("a", "a1");
    scheduler.push("a", "a2");
    scheduler.push("b", "b1");
    for (let i = 0; i < 10 && emptied.length < 2; i++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(emptied.sort()).toEqual(["a", "b"]);
    expect(scheduler.held).toBe(0);
    await scheduler.close();
  });

  it("close() starts nothing new and waits for items in flight", async () => {
    const h = harness(1);
    h.scheduler.push("a", "a1");
    h.scheduler.push("b", "b1");
    await h.settle();
    let closed = false;
    const closing = h.scheduler.close().then(() => {
      closed = true;
    });
    await h.settle();
    expect(closed).toBe(false);
    await h.finish("a1");
    await closing;
    expect(h.started).toEqual(["a1"]);
  });
});
