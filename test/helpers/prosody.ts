import { type ChildProcess, execFile, spawn } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { renderConfigTemplate } from "./config-template.js";
import { serverPorts, waitForPort } from "./ports.js";
import {
  ACCOUNT_HOST,
  type AccountHost,
  DEFAULT_UPLOAD_LIMIT,
  type XmppServer,
  type XmppServerOptions,
} from "./server.js";
import { makeTestCa } from "./tls-ca.js";

const run = promisify(execFile);
const TEMPLATE = join(
  dirname(fileURLToPath(import.meta.url)),
  "../../prosody-config/local.cfg.lua.tmpl",
);

export interface ProsodyOptions extends XmppServerOptions {
  /** Fixed ports (the demo prefers the standard ones); free ones are picked otherwise. */
  readonly c2sPort?: number;
  readonly componentPort?: number;
}

/** Prosody routes every component on its one component port. */
export interface Prosody extends XmppServer {
  readonly kind: "prosody";
}

/**
 * Renders a Prosody config template ({{NAME}} placeholders) into a new temporary
 * data directory; DATA_DIR and RUN_AS_ROOT are filled in here.
 */
export function renderProsodyConfig(
  template: string,
  prefix: string,
  values: Record<string, string>,
): Promise<{ dataDir: string; configPath: string }> {
  return renderConfigTemplate(template, prefix, "prosody.cfg.lua", {
    RUN_AS_ROOT: process.getuid?.() === 0 ? "true" : "false",
    ...values,
  });
}

/**
 * A real Prosody (Debian package) on free loopback ports, with its config
 * rendered from prosody-config/ and its data in a temporary directory.
 */
export async function startProsody(options: ProsodyOptions = {}): Promise<Prosody> {
  const componentDomain = options.componentDomain ?? "rest.localhost";
  const componentSecret = options.componentSecret ?? "test-secret";
  const [freeC2s = 0, freeComponent = 0, httpPort = 0] = await serverPorts(3);
  const uploadLimit = options.uploadLimit ?? DEFAULT_UPLOAD_LIMIT;
  const c2sPort = options.c2sPort ?? freeC2s;
  const componentPort = options.componentPort ?? freeComponent;
  const { dataDir, configPath } = await renderProsodyConfig(TEMPLATE, "xmpp-rest-prosody-", {
    C2S_PORT: String(c2sPort),
    COMPONENT_PORT: String(componentPort),
    COMPONENT_DOMAIN: componentDomain,
    COMPONENT_SECRET: componentSecret,
    LOG_LEVEL: options.logLevel ?? "info",
    HTTP_PORT: String(httpPort),
    UPLOAD_LIMIT: String(uploadLimit),
    // Room for a benchmark's and a test file's uploads in a day (Prosody's default is 10 files).
    UPLOAD_QUOTA: String(uploadLimit * 100),
  });

  const register = async (users: XmppServerOptions["users"], host: string) => {
    for (const user of users ?? []) {
      await run("prosodyctl", [
        "--config",
        configPath,
        "register",
        user.username,
        host,
        user.password,
      ]);
    }
  };
  await register(options.users, "localhost");
  let accounts: AccountHost | undefined;
  if (options.accountUsers) {
    const ca = await makeTestCa(join(dataDir, "tls"), ACCOUNT_HOST);
    await register(options.accountUsers, ACCOUNT_HOST);
    accounts = { host: ACCOUNT_HOST, port: c2sPort, caFile: ca.caFile, caPem: ca.caPem };
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
      await waitForPort(httpPort, 20_000, () => proc.exitCode === null);
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
  const service = `xmpp://127.0.0.1:${componentPort}`;
  return {
    kind: "prosody",
    // Debian bookworm's Prosody.
    software: { name: "Prosody", version: /^0\.12/ },
    host: "localhost",
    c2sPort,
    componentPort,
    componentDomain,
    componentSecret,
    service,
    silentService: service,
    mucDomain: "conference.localhost",
    uploadDomain: "share.localhost",
    uploadLimit,
    accounts,
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
