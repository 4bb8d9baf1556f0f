import { execFile } from "node:child_process";
import { rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { freePort, waitForPort } from "../../test/helpers/ports.js";
import { renderProsodyConfig } from "../../test/helpers/prosody.js";
import { spawnPinned } from "./procs.js";

const run = promisify(execFile);
const TEMPLATE = join(dirname(fileURLToPath(import.meta.url)), "../prosody-bench.cfg.lua.tmpl");

export interface BenchProsody {
  readonly pid: number;
  readonly c2sPort: number;
  readonly service: string;
  readonly componentDomain: string;
  readonly componentSecret: string;
  stop(): Promise<void>;
}

export interface BenchProsodyOptions {
  readonly cpus: string;
  readonly users: readonly string[];
  readonly password: string;
}

/** A tuned Prosody (Debian package) on free loopback ports, pinned with taskset. */
export async function startBenchProsody(options: BenchProsodyOptions): Promise<BenchProsody> {
  const componentDomain = "rest.localhost";
  const componentSecret = "bench-secret";
  const c2sPort = await freePort();
  const componentPort = await freePort();
  const { dataDir, configPath } = await renderProsodyConfig(TEMPLATE, "xmpp-rest-bench-", {
    C2S_PORT: String(c2sPort),
    COMPONENT_PORT: String(componentPort),
    COMPONENT_DOMAIN: componentDomain,
    COMPONENT_SECRET: componentSecret,
  });

  // prosodyctl is a Lua start-up each; two at a time matches the two cores.
  const queue = [...options.users];
  const register = async () => {
    for (let user = queue.shift(); user !== undefined; user = queue.shift()) {
      await run("prosodyctl", [
        "--config",
        configPath,
        "register",
        user,
        "localhost",
        options.password,
      ]);
    }
  };
  await Promise.all([register(), register()]);

  const child = spawnPinned(options.cpus, "prosody", ["--config", configPath, "-F"]);
  const stop = async () => {
    await child.stop(3_000);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const alive = () => child.proc.exitCode === null && child.proc.signalCode === null;
    await waitForPort(c2sPort, 20_000, alive);
    await waitForPort(componentPort, 20_000, alive);
  } catch (err) {
    await stop();
    throw new Error(`prosody did not start: ${(err as Error).message}\n${child.stderrText()}`);
  }
  return {
    pid: child.pid,
    c2sPort,
    service: `xmpp://127.0.0.1:${componentPort}`,
    componentDomain,
    componentSecret,
    stop,
  };
}
