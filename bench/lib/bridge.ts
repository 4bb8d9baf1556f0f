import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { freePort } from "../../test/helpers/ports.js";
import { sleep } from "./clock.js";
import type { BenchContext } from "./context.js";
import type { Cleanup } from "./procs.js";
import { spawnPinned } from "./procs.js";
import type { BenchProsody } from "./prosody.js";

const run = promisify(execFile);
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
/** Compiled private copy of src/: under node_modules so bare imports resolve and git ignores it. */
const BUILD_DIR = join(ROOT, "node_modules/.cache/xmpp-rest-bench/dist");
export const TOKEN = "bench-token";

/**
 * Compiles src/ once per run so the measured process is plain JavaScript (no tsx loader and
 * no esbuild worker in its RSS). tsc emits even when another engineer's half-written file has
 * a type error; only a missing main.js is fatal.
 */
export async function buildBridge(): Promise<string> {
  await mkdir(BUILD_DIR, { recursive: true });
  await writeFile(join(BUILD_DIR, "package.json"), '{ "type": "module" }\n');
  try {
    await run("npx", ["tsc", "-p", "tsconfig.build.json", "--outDir", BUILD_DIR], { cwd: ROOT });
  } catch (err) {
    const out = (err as { stdout?: string }).stdout ?? "";
    process.stderr.write(`bench: tsc reported errors in src/ (building anyway):\n${out}\n`);
  }
  const main = join(BUILD_DIR, "main.js");
  if (!existsSync(main)) throw new Error(`bridge build produced no ${main}`);
  return main;
}

export interface BridgeProcess {
  readonly pid: number;
  readonly url: string;
  stop(): Promise<void>;
}

export interface BridgeLaunch {
  readonly prosody: BenchProsody;
  readonly cpus: string;
  /** The compiled main.js, or undefined to run src/main.ts through tsx. */
  readonly main: string | undefined;
  readonly cleanup: Cleanup;
  readonly env?: Record<string, string>;
  /** Environment every bridge of the run gets (BenchContext.bridgeEnv). */
  readonly extraEnv?: Record<string, string>;
  /** Directory for a V8 CPU profile written when the bridge exits. */
  readonly profileDir?: string;
}

/** The bridge as its own pinned process, as users run it; resolves once /health says online. */
export async function launchBridge(launch: BridgeLaunch): Promise<BridgeProcess> {
  const port = await freePort();
  const nodeArgs = launch.profileDir
    ? ["--cpu-prof", "--cpu-prof-dir", launch.profileDir, "--cpu-prof-interval", "500"]
    : [];
  const entry = launch.main ? [launch.main] : ["--import", "tsx", join(ROOT, "src/main.ts")];
  // Each bridge gets a fresh store in a temp dir unless the scenario names one.
  const storeDir = launch.env?.XMPP_REST_STORE
    ? undefined
    : await mkdtemp(join(tmpdir(), "xmpp-rest-bench-store-"));
  const child = spawnPinned(launch.cpus, process.execPath, [...nodeArgs, ...entry], {
    env: {
      PATH: process.env.PATH ?? "",
      XMPP_REST_SERVICE: launch.prosody.service,
      XMPP_REST_DOMAIN: launch.prosody.componentDomain,
      XMPP_REST_SECRET: launch.prosody.componentSecret,
      XMPP_REST_TOKENS: TOKEN,
      XMPP_REST_HTTP_HOST: "127.0.0.1",
      XMPP_REST_HTTP_PORT: String(port),
      XMPP_REST_LOG_LEVEL: "warn",
      ...(storeDir ? { XMPP_REST_STORE: join(storeDir, "store.db") } : {}),
      ...launch.extraEnv,
      ...launch.env,
    },
  });
  const stop = launch.cleanup.add("bridge", async () => {
    await child.stop(15_000);
    if (storeDir) await rm(storeDir, { recursive: true, force: true });
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.proc.exitCode !== null) {
      await stop();
      throw new Error(`bridge exited with ${child.proc.exitCode}: ${child.stderrText()}`);
    }
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {}
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`bridge not online after 20 s: ${child.stderrText()}`);
    }
    await sleep(50);
  }
  return { pid: child.pid, url, stop };
}

/**
 * The bridge for one scenario: pinned to the measured core, with the run's extra
 * environment, stopped by the run's cleanup, profiled into the scenario's folder
 * when --profile is on (unless `profile` is false).
 */
export function launchScenarioBridge(
  ctx: BenchContext,
  scenario: string,
  env: Record<string, string> = {},
  profile = true,
): Promise<BridgeProcess> {
  return launchBridge({
    prosody: ctx.prosody,
    cpus: ctx.pinning.measured,
    main: ctx.bridgeMain,
    extraEnv: ctx.bridgeEnv,
    cleanup: ctx.cleanup,
    env,
    ...(profile && ctx.profileDir ? { profileDir: join(ctx.profileDir, scenario) } : {}),
  });
}
