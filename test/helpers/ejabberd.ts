import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
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

const TEMPLATE = join(
  dirname(fileURLToPath(import.meta.url)),
  "../../ejabberd-config/local.yml.tmpl",
);
/** Debian's wrapper script: read (never run) for where the package put erl and its libs. */
const EJABBERDCTL = "/usr/sbin/ejabberdctl";
const KEEP_OUTPUT = 16_384;
/**
 * Halts the VM when its stdin reaches end of file, i.e. when the test process that started
 * it is gone, even by SIGKILL: a crashed test run never leaves an ejabberd behind.
 * (-noinput leaves fd 0 to us.)
 */
const WATCHDOG = `spawn(fun() ->
  Stdin = open_port({fd, 0, 2}, [eof, binary]),
  Watch = fun Loop() -> receive {Stdin, {data, _}} -> Loop(); {Stdin, eof} -> erlang:halt(1) end end,
  Watch() end)`;
/** Printed by the VM once ejabberd runs and the harness's accounts exist. */
const READY = "xmpp-rest-harness: ejabberd ready";

export interface Ejabberd extends XmppServer {
  readonly kind: "ejabberd";
}

/** The erl binary and ERL_LIBS the Debian package's ejabberdctl uses. */
async function erlangPaths(): Promise<{ erl: string; libs: string }> {
  const script = await readFile(EJABBERDCTL, "utf8").catch(() => {
    throw new Error(`${EJABBERDCTL} not found: install Debian's ejabberd (scripts/ensure-deps.sh)`);
  });
  const value = (name: string) =>
    new RegExp(`^\\s*${name}=["']?([^"'\\n]+)["']?\\s*$`, "m").exec(script)?.[1];
  const libs = value("ERL_LIBS");
  if (!libs) throw new Error(`no ERL_LIBS in ${EJABBERDCTL}`);
  return { erl: value("ERL") ?? "erl", libs };
}

/**
 * The environment for the VM: nothing from a system ejabberd's settings leaks in (no
 * EJABBERD_* or ERL_* variables, no systemd socket), HOME is the data directory.
 */
function vmEnvironment(values: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(EJABBERD_|ERL_|CONTRIB_MODULES_)/.test(name) || name === "NOTIFY_SOCKET") continue;
    env[name] = value;
  }
  return { ...env, ...values };
}

/**
 * A real ejabberd (Debian package) on free loopback ports, config rendered from
 * ejabberd-config/, spool and logs in a temporary directory. The Erlang VM is our child
 * process in its own process group, started without distribution: no epmd, node name or
 * cookie to collide with a system ejabberd or with another test's instance.
 */
export async function startEjabberd(options: XmppServerOptions = {}): Promise<Ejabberd> {
  // The ports were free when picked; another process may still bind one in the second or
  // two before ejabberd opens it. Then boot again on other ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await bootEjabberd(options, await serverPorts(5));
    } catch (err) {
      const inUse = err instanceof Error && /address already in use/.test(err.message);
      if (!inUse || attempt === 3) throw err;
    }
  }
}

async function bootEjabberd(
  options: XmppServerOptions,
  [
    c2sPort = 0,
    componentPort = 0,
    silentPort = 0,
    httpPort = 0,
    accountPort = 0,
  ]: readonly number[],
): Promise<Ejabberd> {
  const componentDomain = options.componentDomain ?? "rest.localhost";
  const componentSecret = options.componentSecret ?? "test-secret";
  const uploadLimit = options.uploadLimit ?? DEFAULT_UPLOAD_LIMIT;
  const { erl, libs } = await erlangPaths();
  const { dataDir, configPath } = await renderConfigTemplate(
    TEMPLATE,
    "xmpp-rest-ejabberd-",
    "ejabberd.yml",
    {
      C2S_PORT: String(c2sPort),
      COMPONENT_PORT: String(componentPort),
      SILENT_PORT: String(silentPort),
      ACCOUNT_PORT: String(accountPort),
      // Filled in below, once the data directory exists.
      CERTFILES: options.accountUsers ? "ACCOUNT_CERTFILES" : "[]",
      COMPONENT_DOMAIN: componentDomain,
      COMPONENT_SECRET: componentSecret,
      LOG_LEVEL: options.logLevel ?? "info",
      HTTP_PORT: String(httpPort),
      UPLOAD_LIMIT: String(uploadLimit),
    },
  );
  let accounts: AccountHost | undefined;
  if (options.accountUsers) {
    const ca = await makeTestCa(join(dataDir, "tls"), ACCOUNT_HOST);
    accounts = { host: ACCOUNT_HOST, port: accountPort, caFile: ca.caFile, caPem: ca.caPem };
    const config = await readFile(configPath, "utf8");
    await writeFile(
      configPath,
      config.replace("ACCOUNT_CERTFILES", JSON.stringify([ca.bundleFile])),
    );
  }
  const spoolDir = join(dataDir, "spool");
  const logDir = join(dataDir, "log");
  await mkdir(spoolDir);
  await mkdir(logDir);
  const env = vmEnvironment({
    HOME: dataDir,
    ERL_LIBS: libs,
    ERL_CRASH_DUMP_BYTES: "0",
    EJABBERD_CONFIG_PATH: configPath,
    EJABBERD_LOG_PATH: join(logDir, "ejabberd.log"),
    CONTRIB_MODULES_PATH: join(dataDir, "modules"),
  });

  let child: ChildProcess | undefined;
  const launch = async (boot: readonly string[]) => {
    // What `ejabberdctl foreground` runs, minus the node name (-sname) that would start
    // distribution and epmd, and minus its switch to the ejabberd system user. `-s ejabberd`
    // returns once the application has started; the -eval after it runs then.
    const args = [
      "-noinput",
      "-mnesia",
      "dir",
      `"${spoolDir}"`,
      "-s",
      "ejabberd",
      "-eval",
      `${[WATCHDOG, ...boot].join(", ")}.`,
    ];
    const proc = spawn(erl, args, {
      cwd: dataDir,
      env,
      detached: true,
      // stdin is a pipe nobody writes to: its end is the watchdog's signal (see WATCHDOG).
      stdio: ["pipe", "pipe", "pipe"],
    });
    child = proc;
    let output = "";
    let timer: NodeJS.Timeout | undefined;
    const ready = new Promise<void>((resolve, reject) => {
      const keep = (d: Buffer) => {
        output = (output + d.toString()).slice(-KEEP_OUTPUT);
        if (output.includes(READY)) resolve();
      };
      proc.stdout?.on("data", keep);
      proc.stderr?.on("data", keep);
      proc.once("exit", () => reject(new Error("the VM exited")));
      timer = setTimeout(() => reject(new Error("not ready after 30 s")), 30_000);
    });
    const alive = () => proc.exitCode === null && proc.signalCode === null;
    try {
      await ready;
      for (const port of [c2sPort, componentPort, silentPort, httpPort, accountPort]) {
        await waitForPort(port, 10_000, alive);
      }
    } catch (err) {
      await killGroup(proc);
      throw new Error(`ejabberd did not start: ${(err as Error).message}\n${output}`);
    } finally {
      clearTimeout(timer);
    }
  };

  const kill = async () => {
    const proc = child;
    child = undefined;
    if (proc) await killGroup(proc);
  };

  // Users are registered inside the VM on the first boot, and the transaction log synced
  // before the harness hears "ready": mnesia otherwise keeps recent writes in a write cache
  // for about two seconds, and a kill() right after start would lose the accounts.
  const registrations = [
    ...(options.users ?? []).map((u) => ({ ...u, host: "localhost" })),
    ...(options.accountUsers ?? []).map((u) => ({ ...u, host: ACCOUNT_HOST })),
  ].map(
    (u) =>
      `ok = ejabberd_auth:try_register(${binary(u.username)}, ${binary(u.host)}, ${binary(u.password)})`,
  );
  const announceReady = `io:format("~s~n", ["${READY}"])`;
  try {
    await launch([...registrations, "mnesia:sync_log()", announceReady]);
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }

  return {
    kind: "ejabberd",
    // Debian bookworm's ejabberd.
    software: { name: "ejabberd", version: /^23\.01/ },
    host: "localhost",
    c2sPort,
    componentPort,
    componentDomain,
    componentSecret,
    service: `xmpp://127.0.0.1:${componentPort}`,
    silentService: `xmpp://127.0.0.1:${silentPort}`,
    mucDomain: "conference.localhost",
    uploadDomain: "upload.localhost",
    uploadLimit,
    accounts,
    dataDir,
    kill,
    restart: () => launch([announceReady]),
    async stop() {
      await kill();
      await rm(dataDir, { recursive: true, force: true });
    },
    log: () => readFile(join(logDir, "ejabberd.log"), "utf8").catch(() => ""),
  };
}

/**
 * SIGKILL to the VM's whole process group (beam.smp and its port programs such as
 * erl_child_setup and inet_gethost), then waits for the VM to be gone.
 */
async function killGroup(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null || proc.pid === undefined) return;
  const exited = new Promise((resolve) => proc.once("exit", resolve));
  try {
    process.kill(-proc.pid, "SIGKILL");
  } catch {
    proc.kill("SIGKILL");
  }
  await exited;
}

/** An Erlang UTF-8 binary literal. */
function binary(text: string): string {
  return `<<"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"/utf8>>`;
}
