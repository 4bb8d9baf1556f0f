// The long fuzz campaign: `npm run fuzz -- [--cases N] [--seed S]` (default 100,000 cases, a
// random seed). Same cases and checks as test/integration/fuzz.test.ts, against a real Prosody;
// prints progress and a summary, exits 1 on any failure (the seed replays it).
import { runCampaign } from "../test/fuzz/campaign.js";
import { startFuzzEnv } from "../test/fuzz/setup.js";

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(value) || value < 0) {
    console.error(`--${name} needs a whole number, got ${process.argv[i + 1]}`);
    process.exit(2);
  }
  return value;
}

const cases = option("cases", 100_000);
const seed = option("seed", Math.floor(Math.random() * 2 ** 31));
console.error(`fuzz: ${cases} cases, seed ${seed}`);

const env = await startFuzzEnv();
let ok = false;
try {
  const report = await runCampaign(env, {
    cases,
    seed,
    progressEvery: 5_000,
    onProgress: (done, r) =>
      console.error(
        `fuzz: ${done}/${cases} in ${(r.durationMs / 1000).toFixed(0)} s, drops ${r.linkDrops}/${r.serverDrops}, health p99 ${r.health.p99} ms, max blocked ${r.stall.maxBlockedMs} ms`,
      ),
  });
  console.log(JSON.stringify(report, null, 2));
  ok =
    report.failure === undefined &&
    report.cases === cases &&
    report.linkDrops === 0 &&
    (report.serverDrops ?? 0) === 0 &&
    report.health.failures === 0;
  console.error(
    `fuzz: ${ok ? "PASSED" : "FAILED"}: ${report.cases} cases (${report.httpCases} HTTP, ${report.webhookCases} webhook) in ${(report.durationMs / 1000).toFixed(1)} s; component drops: ${report.linkDrops} (link), ${report.serverDrops} (server log); /health p50/p99/max ${report.health.p50}/${report.health.p99}/${report.health.max} ms; max event-loop block ${report.stall.maxBlockedMs} ms (wall lateness ${Math.round(report.stall.maxLateMs)} ms); seed ${seed}`,
  );
} finally {
  await env.stop();
}
process.exitCode = ok ? 0 : 1;
