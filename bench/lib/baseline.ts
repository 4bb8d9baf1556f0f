import { join } from "node:path";
import type { ComponentParams } from "../baselines/component.js";
import { ROOT } from "./bridge.js";
import type { BenchContext } from "./context.js";
import type { DeliveryReport, DeliveryTracker } from "./delivery.js";
import type { Cleanup, Usage } from "./procs.js";
import { sampleUsage, spawnPinned } from "./procs.js";
import { perSecond } from "./stats.js";

interface Message {
  readonly type: string;
  readonly received?: number;
  readonly result?: unknown;
}

export interface BaselineProcess {
  readonly pid: number;
  /** Sends a command ("start", "stop") over IPC. */
  command(type: string): void;
  onProgress(listener: (received: number) => void): void;
  /** The child's result, once it reports done. */
  done<T>(timeoutMs: number): Promise<T>;
  stop(): Promise<void>;
}

/** Runs a baseline script under bench/baselines/ pinned to `cpus`; resolves once it is ready. */
export async function spawnBaseline(
  script: "component.ts" | "http-202.ts",
  arg: string,
  cpus: string,
  cleanup: Cleanup,
): Promise<BaselineProcess> {
  const child = spawnPinned(
    cpus,
    process.execPath,
    ["--import", "tsx", join(ROOT, "bench/baselines", script), arg],
    { ipc: true },
  );
  const stop = cleanup.add(`baseline ${script}`, () => child.stop(3_000));
  const progress = new Set<(received: number) => void>();
  let result: ((value: unknown) => void) | undefined;
  let finished: { value: unknown } | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    child.proc.on("message", (message: Message) => {
      if (message.type === "ready") resolve();
      else if (message.type === "progress") {
        for (const listener of progress) listener(message.received ?? 0);
      } else if (message.type === "done") {
        finished = { value: message.result };
        result?.(message.result);
      }
    });
    child.exited.then(() =>
      reject(new Error(`baseline ${script} exited early: ${child.stderrText()}`)),
    );
    setTimeout(() => reject(new Error(`baseline ${script} not ready after 20 s`)), 20_000).unref();
  });
  try {
    await ready;
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    pid: child.pid,
    command: (type) => {
      if (child.proc.connected) child.proc.send({ type });
    },
    onProgress: (listener) => {
      progress.add(listener);
    },
    done<T>(timeoutMs: number) {
      if (finished) return Promise.resolve(finished.value as T);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`baseline ${script} gave no result within ${timeoutMs} ms`)),
          timeoutMs,
        );
        result = (value) => {
          clearTimeout(timer);
          resolve(value as T);
        };
      });
    },
    stop,
  };
}

export function spawnComponent(
  params: ComponentParams,
  cpus: string,
  cleanup: Cleanup,
): Promise<BaselineProcess> {
  return spawnBaseline("component.ts", JSON.stringify(params), cpus, cleanup);
}

/** What the bare-component flood (the XMPP ceiling of the send scenarios) measured. */
export interface FloodResult {
  readonly sent: number;
  readonly usage: Usage;
  readonly report: DeliveryReport;
  /** Messages per second that reached the receiving client. */
  readonly rate: number;
}

/**
 * The XMPP ceiling: a bare component on the measured core floods `to` with `concurrency`
 * writes in flight; `tracker` is the one the receiving client reports arrivals to.
 */
export async function floodFromComponent(
  ctx: BenchContext,
  tracker: DeliveryTracker,
  options: { to: string; concurrency: number; maxCount: number; settleMs: number },
): Promise<FloodResult> {
  const component = await spawnComponent(
    {
      mode: "send",
      service: ctx.prosody.service,
      domain: "base.localhost",
      secret: ctx.prosody.componentSecret,
      to: options.to,
      concurrency: options.concurrency,
      durationMs: ctx.plan.durationMs,
      maxCount: options.maxCount,
    },
    ctx.pinning.measured,
    ctx.cleanup,
  );
  const sampling = sampleUsage(component.pid, ctx.prosody.pid);
  component.command("start");
  const { sent, startedAt } = await component.done<{ sent: number; startedAt: number }>(
    ctx.plan.durationMs + 30_000,
  );
  await tracker.settle(sent, 2_000, options.settleMs);
  const usage = sampling.stop();
  await component.stop();
  const report = tracker.report();
  return { sent, usage, report, rate: perSecond(report.unique, report.lastAt - startedAt) };
}
