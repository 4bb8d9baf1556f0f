/**
 * `npm run bench`: starts a tuned Prosody, the bridge as its own pinned process, real XMPP
 * clients and webhook servers, runs each scenario against the bridge and a baseline in the same
 * run, prints a Markdown table and writes bench/results/latest.json (+ a dated copy).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readCli, SCENARIOS } from "./lib/args.js";
import { buildBridge, ROOT } from "./lib/bridge.js";
import type { BenchContext, Pinning, Scenario, ScenarioResult } from "./lib/context.js";
import { describeMachine, describeSource } from "./lib/machine.js";
import { Cleanup, pinSelf } from "./lib/procs.js";
import { MOD_REST_ENV, startBenchProsody } from "./lib/prosody.js";
import { renderMarkdown } from "./lib/table.js";
import { PASSWORD } from "./lib/xmpp-user.js";
import { accountLists } from "./scenarios/account-lists.js";
import { accounts } from "./scenarios/accounts.js";
import { echoRoundtrip } from "./scenarios/echo-roundtrip.js";
import { failover } from "./scenarios/failover.js";
import { idle } from "./scenarios/idle.js";
import { pendingIq } from "./scenarios/pending-iq.js";
import { pullStreams } from "./scenarios/pull-streams.js";
import { receiveStore } from "./scenarios/receive-store.js";
import { receiveWebhook } from "./scenarios/receive-webhook.js";
import { sendBatch } from "./scenarios/send-batch.js";
import { sendIq } from "./scenarios/send-iq.js";
import { sendMessage } from "./scenarios/send-message.js";
import { storeEngines } from "./scenarios/store.js";
import { webhookSupported } from "./scenarios/webhook-support.js";

const RUNNERS: Record<(typeof SCENARIOS)[number], Scenario> = {
  idle,
  "send-message": sendMessage,
  "send-iq": sendIq,
  "send-batch": sendBatch,
  "pending-iq": pendingIq,
  "receive-webhook": receiveWebhook,
  "receive-store": receiveStore,
  "echo-roundtrip": echoRoundtrip,
  "pull-streams": pullStreams,
  accounts,
  "account-lists": accountLists,
  failover,
  store: storeEngines,
};
const WEBHOOK_SCENARIOS = new Set([
  "receive-webhook",
  "receive-store",
  "echo-roundtrip",
  "pull-streams",
  "failover",
  "store",
]);
export const USERS = ["recv", ...Array.from({ length: 16 }, (_, i) => `u${i + 1}`)];

async function main(): Promise<number> {
  const { plan, tsx, bridgeNodeOptions, bridgeEnv } = readCli(process.argv.slice(2));
  const envNote = Object.entries(bridgeEnv)
    .map(([key, value]) => `${key}=${value}`)
    .join(" ");
  const machine = describeMachine();
  const source = describeSource(ROOT);
  // Prosody and the driver (load generator, clients, webhook) share CPU 0; the process being
  // measured (bridge or baseline) has CPU 1 to itself, so bridge and baseline get equal room.
  const pinning: Pinning =
    machine.cores >= 2
      ? { prosody: "0", driver: "0", measured: "1" }
      : { prosody: "0", driver: "0", measured: "0" };
  pinSelf(pinning.driver);
  const started = Date.now();
  const progress = (line: string) =>
    process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${line}\n`);

  const cleanup = new Cleanup();
  const onSignal = () => {
    progress("interrupted: stopping everything");
    cleanup.runAll().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const results: ScenarioResult[] = [];
  let peerNote: string | undefined;
  try {
    progress(tsx ? "running the bridge from src/ via tsx" : "compiling the bridge");
    const bridgeMain = tsx ? undefined : await buildBridge();
    const profileDir = plan.profile ? join(ROOT, "bench/results/profiles") : undefined;
    if (profileDir) await mkdir(profileDir, { recursive: true });
    progress("starting Prosody");
    const prosody = await startBenchProsody({
      cpus: pinning.prosody,
      users: USERS,
      password: PASSWORD,
      modRestDir: process.env[MOD_REST_ENV],
    });
    peerNote = prosody.modRestNote ?? `mod_rest peer: Prosody's mod_rest from $${MOD_REST_ENV}`;
    progress(peerNote);
    cleanup.add("prosody", () => prosody.stop());
    const ctx: BenchContext = {
      plan,
      pinning,
      prosody,
      cleanup,
      bridgeMain,
      bridgeEnv: {
        ...bridgeEnv,
        ...(bridgeNodeOptions ? { NODE_OPTIONS: bridgeNodeOptions } : {}),
      },
      profileDir,
      webhook: await webhookSupported(),
      progress,
    };
    for (const name of plan.only) {
      if (WEBHOOK_SCENARIOS.has(name) && !ctx.webhook) {
        results.push({
          name,
          status: "not run",
          reason: "this bridge has no webhook support yet (no XMPP_REST_CALLBACK_URL)",
          rows: [],
        });
        continue;
      }
      progress(`scenario ${name}`);
      try {
        results.push({
          name,
          status: "ok",
          rows: await RUNNERS[name as keyof typeof RUNNERS](ctx),
        });
      } catch (err) {
        progress(`scenario ${name} failed: ${(err as Error).stack ?? String(err)}`);
        results.push({ name, status: "failed", reason: (err as Error).message, rows: [] });
      }
    }
  } finally {
    await cleanup.runAll();
  }

  const mode = plan.quick ? "quick" : "full";
  const notes = [
    `source: ${source.commit}${source.dirty.length > 0 ? ` + uncommitted ${source.dirty.join(", ")}` : ""}`,
    ...(bridgeNodeOptions ? [`bridge NODE_OPTIONS: ${bridgeNodeOptions}`] : []),
    ...(envNote ? [`bridge environment: ${envNote}`] : []),
    ...(plan.profile ? ["bridge profiled (--cpu-prof): slower than normal"] : []),
    ...(peerNote ? [peerNote] : []),
  ];
  process.stdout.write(renderMarkdown(machine, pinning, mode, notes, results));
  const report = {
    date: new Date().toISOString(),
    mode,
    machine,
    source,
    bridgeNodeOptions,
    bridgeEnv,
    pinning,
    plan,
    elapsedS: Math.round((Date.now() - started) / 1000),
    scenarios: results,
  };
  const dir = join(ROOT, "bench/results");
  await mkdir(dir, { recursive: true });
  const json = `${JSON.stringify(report, null, 2)}\n`;
  // Only a complete, unmodified run replaces latest.json; experiments get their own file.
  const complete =
    plan.only.length === SCENARIOS.length && !plan.profile && !bridgeNodeOptions && !envNote;
  const suffix = plan.profile ? "-profiled" : complete ? "" : "-partial";
  const dated = `${report.date.slice(0, 10)}-${mode}${suffix}.json`;
  if (complete) await writeFile(join(dir, "latest.json"), json);
  await writeFile(join(dir, dated), json);
  progress(
    `done in ${report.elapsedS}s; wrote bench/results/${complete ? "latest.json and " : ""}${dated}`,
  );
  return results.some((r) => r.status === "failed") ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
