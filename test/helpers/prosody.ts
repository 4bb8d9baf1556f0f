import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { freePort, waitForPort } from "./ports.js";

const run = promisify(execFile);
const TEMPLATE = join(
  dirname(fileURLToPath(import.meta.url)),
  "../../prosody-config/local.cfg.lua.tmpl",
);

export interface ProsodyOptions {
  readonly componentDomain?: string;
  readonly componentSecret?: string;
  readonly users?: readonly { username: string; password: string }[];
  readonly logLevel?: "debug" | "info" | "warn";
  /** Fixed ports (the demo prefers the standard ones); free ones are picked otherwise. */
  readonly c2sPort?: number;
  readonly componentPort?: number;
}

export interface Prosody {
  readonly host: string;
  readonly c2sPort: number;
  readonly componentPort: number;
  readonly componentDomain: string;
  readonly componentSecret: string;
  readonly service: string;
  readonly dataDir: string;
  /** Kills the server (SIGKILL): every connection drops at once. */
  kill(): Promise<void>;
  /** Starts it again on the same ports with the same data. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  log(): Promise<string>;
}

/**
 * Renders a Prosody config template ({{NAME}} placeholders) into a new temporary
 * data directory; DATA_DIR and RUN_AS_ROOT are filled in here.
 */
export async function renderProsodyConfig(
  template: string,
  prefix: string,
  values: Record<string, string>,
): Promise<{ dataDir: string; configPath: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), prefix));
  const configPath = join(dataDir, "prosody.cfg.lua");
  const all: Record<string, string> = {
    DATA_DIR: dataDir,
    RUN_AS_ROOT: process.getuid?.() === 0 ? "true" : "false",
    ...values,
  };
  const text = await readFile(template, "utf8");
  await writeFile(
    configPath,
    text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => all[name] ?? ""),
  );
  return { dataDir, configPath };
}

/**
 * A real Prosody (Debian package) on free loopback ports, with its config
 * rendered from prosody-config/ and its data in a temporary directory.
 */
export async function startProsody(options: ProsodyOptions = {}): Promise<Prosody> {
  const componentDomain = options.componentDomain ?? "rest.localhost";
  const componentSecret = options.componentSecret ?? "test-secret";
  const c2sPort = options.c2sPort ?? (await freePort());
  const componentPort = options.componentPort ?? (await freePort());
  const { dataDir, configPath } = await renderProsodyConfig(TEMPLATE, "xmpp-rest-prosody-", {
    C2S_PORT: String(c2sPort),
    COMPONENT_PORT: String(componentPort),
    COMPONENT_DOMAIN: componentDomain,
    COMPONENT_SECRET: componentSecret,
    LOG_LEVEL: options.logLevel ?? "info",
  });

  for (const user of options.users ?? []) {
    await run("prosodyctl", [
      "--config",
      configPath,
      "register",
      user.username,
      "localhost",
      user.password,
    ]);
  }

  let child: ChildProcess | undefined;
  const launch = async () => {
    const proc = spawn("prosody", ["--config", configPath, "-F"], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    child = proc;
    let stderr = "";
    proc.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    try {
      await waitForPort(c2sPort, 20_000, () => proc.exitCode === null && proc.signalCode === null);
      await waitForPort(componentPort, 20_000, () => proc.exitCode === null);
    } catch (err) {
      proc.kill("SIGKILL");
      throw new Error(`prosody did not start: ${(err as Error).message}\n${stderr}`);
    }
  };

  const kill = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    proc.kill("SIGKILL");
    await exited;
  };

  await launch();
  return {
    host: "localhost",
    c2sPort,
    componentPort,
    componentDomain,
    componentSecret,
    service: `xmpp://127.0.0.1:${componentPort}`,
    dataDir,
    kill,
    restart: launch,
    async stop() {
      await kill();
      await rm(dataDir, { recursive: true, force: true });
    },
    log: () => readFile(join(dataDir, "prosody.log"), "utf8").catch(() => ""),
  };
}
