import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { freePorts, waitForPort } from "../../test/helpers/ports.js";
import { renderProsodyConfig } from "../../test/helpers/prosody.js";
import { spawnPinned } from "./procs.js";

const run = promisify(execFile);
const TEMPLATE = join(dirname(fileURLToPath(import.meta.url)), "../prosody-bench.cfg.lua.tmpl");

/** Prosody's own mod_rest on the same server, the peer the bridge is compared with. */
export interface ModRestPeer {
  /** http://127.0.0.1:PORT; POST /rest there. */
  readonly url: string;
  /** Sent for symmetry with the bridge's requests; the peer runs in anonymous mode. */
  readonly authorization: string;
  readonly domain: string;
}

/** Where a mod_rest checkout is: a prosody-modules checkout or its mod_rest directory. */
export const MOD_REST_ENV = "XMPP_REST_BENCH_MOD_REST";

function modRestPluginPath(dir: string): string | undefined {
  if (existsSync(join(dir, "mod_rest", "mod_rest.lua"))) return dir;
  if (existsSync(join(dir, "mod_rest.lua"))) return dirname(dir);
  return undefined;
}

export interface BenchProsody {
  readonly pid: number;
  /** Present when $XMPP_REST_BENCH_MOD_REST names a mod_rest checkout. */
  readonly modRest?: ModRestPeer;
  /** Why there is no mod_rest peer. */
  readonly modRestNote?: string;
  readonly c2sPort: number;
  readonly service: string;
  readonly componentDomain: string;
  readonly componentSecret: string;
  /** Prosody's data directory (the accounts scenario writes account files there). */
  readonly dataDir: string;
  stop(): Promise<void>;
}

export interface BenchProsodyOptions {
  readonly cpus: string;
  readonly users: readonly string[];
  readonly password: string;
  /** A mod_rest checkout to load as a peer (see MOD_REST_ENV). */
  readonly modRestDir?: string | undefined;
}

/** A tuned Prosody (Debian package) on free loopback ports, pinned with taskset. */
export async function startBenchProsody(options: BenchProsodyOptions): Promise<BenchProsody> {
  const componentDomain = "rest.localhost";
  const componentSecret = "bench-secret";
  const [c2sPort = 0, componentPort = 0, freeHttp = 0] = await freePorts(3);
  const pluginPath = options.modRestDir ? modRestPluginPath(options.modRestDir) : undefined;
  const httpPort = pluginPath ? freeHttp : 0;
  const modRestDomain = "modrest.localhost";
  const { dataDir, configPath } = await renderProsodyConfig(TEMPLATE, "xmpp-rest-bench-", {
    C2S_PORT: String(c2sPort),
    COMPONENT_PORT: String(componentPort),
    COMPONENT_DOMAIN: componentDomain,
    COMPONENT_SECRET: componentSecret,
    MOD_REST_GLOBAL: pluginPath
      ? [
          `plugin_paths = { ${JSON.stringify(pluginPath)} }`,
          // Replaces the empty http_ports above (Prosody warns about the duplicate, harmlessly).
          `http_ports = { ${httpPort} }`,
          `http_interfaces = { "127.0.0.1" }`,
          // Requests name the host by address; the peer answers for it.
          `http_default_host = "${modRestDomain}"`,
        ].join("\n")
      : "",
    MOD_REST_COMPONENT: pluginPath
      ? [
          "-- Prosody's mod_rest, the peer the bridge is compared with ($XMPP_REST_BENCH_MOD_REST).",
          `Component "${modRestDomain}" "rest"`,
          // No token store in Prosody 0.12 to mint a Bearer token from; mod_rest's anonymous
          // mode skips the credential check, which only flatters the peer.
          `  authentication = "anonymous"`,
          "  anonymous_rest = true",
        ].join("\n")
      : "",
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
    if (pluginPath) await waitForPort(httpPort, 20_000, alive);
  } catch (err) {
    await stop();
    throw new Error(`prosody did not start: ${(err as Error).message}\n${child.stderrText()}`);
  }
  const modRestNote = !options.modRestDir
    ? `no mod_rest peer: set ${MOD_REST_ENV} to a prosody-modules checkout to compare with it`
    : pluginPath
      ? undefined
      : `no mod_rest peer: no mod_rest.lua under ${options.modRestDir}`;
  return {
    pid: child.pid,
    ...(pluginPath
      ? {
          modRest: {
            url: `http://127.0.0.1:${httpPort}`,
            authorization: "Bearer anonymous",
            domain: modRestDomain,
          },
        }
      : {}),
    ...(modRestNote ? { modRestNote } : {}),
    c2sPort,
    service: `xmpp://127.0.0.1:${componentPort}`,
    componentDomain,
    componentSecret,
    dataDir,
    stop,
  };
}
