import { launchScenarioBridge } from "../lib/bridge.js";
import { sleep } from "../lib/clock.js";
import type { BenchContext, Row } from "../lib/context.js";
import { cpuMs, mb, rssBytes } from "../lib/procs.js";

/** RSS of a bridge that is online and has served nothing: the cost of just running it. */
export async function idle(ctx: BenchContext): Promise<Row[]> {
  const bridge = await launchScenarioBridge(ctx, "idle", {}, false);
  try {
    // Let start-up garbage settle before sampling.
    await sleep(ctx.plan.quick ? 1_000 : 3_000);
    const samples: number[] = [];
    const cpuStart = cpuMs(bridge.pid);
    const windowMs = ctx.plan.quick ? 1_000 : 3_000;
    const until = Date.now() + windowMs;
    while (Date.now() < until) {
      samples.push(rssBytes(bridge.pid));
      await sleep(100);
    }
    const cpuPercent = Math.round(((cpuMs(bridge.pid) - cpuStart) / windowMs) * 100);
    const average = samples.reduce((a, b) => a + b, 0) / Math.max(1, samples.length);
    return [
      {
        scenario: "idle",
        subject: "bridge",
        load: "online, no traffic",
        peakRssMb: mb(Math.max(...samples)),
        cpuPercent,
        notes: `average RSS ${mb(average)} MiB over ${windowMs / 1000} s`,
        details: { samplesMb: samples.map(mb) },
      },
    ];
  } finally {
    await bridge.stop();
  }
}
