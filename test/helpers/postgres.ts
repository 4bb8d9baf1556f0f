import { type ChildProcess, execFile, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { serverPorts, waitForPort } from "./ports.js";

const run = promisify(execFile);

/** Debian's PostgreSQL (the `postgresql` package): the newest version installed. */
const VERSIONS = ["17", "16", "15", "14", "13"];
export const POSTGRES_BIN = VERSIONS.map((v) => `/usr/lib/postgresql/${v}/bin`).find((dir) =>
  existsSync(join(dir, "initdb")),
);

/** Whether the harness can start a throwaway PostgreSQL here. */
export const postgresAvailable = POSTGRES_BIN !== undefined;

export interface Postgres {
  readonly port: number;
  /** A superuser URI for a fresh database, made on demand (one per test file or store). */
  createDatabase(name?: string): Promise<string>;
  /** Runs one SQL statement as the superuser on `database` (default postgres). */
  query(sql: string, database?: string): Promise<pg.QueryResult>;
  /** Stops the server at once (pg_ctl -m immediate: like a crash; recovery replays the WAL). */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  restart(): Promise<void>;
  /** Stops it and removes its files. */
  stop(): Promise<void>;
}

export interface PostgresOptions {
  /** fsync off (default): safe against a process crash, which is all the tests need. */
  readonly fsync?: boolean;
}

/**
 * A real PostgreSQL (Debian package) in a temporary directory on a free loopback port, as
 * test/helpers/prosody.ts starts Prosody. initdb and postgres refuse to run as root, so as
 * root they run as the `postgres` user (runuser). Trust authentication on loopback only.
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<Postgres> {
  if (!POSTGRES_BIN) throw new Error("PostgreSQL is not installed (apt-get install postgresql)");
  const bin = POSTGRES_BIN;
  const dir = mkdtempSync(join(tmpdir(), "xmpp-rest-postgres-"));
  const data = join(dir, "data");
  const root = process.getuid?.() === 0;
  if (root) chownSync(dir, ...postgresIds());
  const asOwner = (command: string, args: string[]) =>
    root
      ? run("runuser", ["-u", "postgres", "--", join(bin, command), ...args])
      : run(join(bin, command), args);
  await asOwner("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
  const [port = 0] = await serverPorts(1);
  const settings = [
    `listen_addresses=127.0.0.1`,
    `port=${port}`,
    `unix_socket_directories=${dir}`,
    `fsync=${options.fsync ? "on" : "off"}`,
    "full_page_writes=off",
    "max_connections=200",
    "shared_buffers=32MB",
  ];

  let child: ChildProcess | undefined;
  const launch = async () => {
    const args = ["-D", data, ...settings.flatMap((s) => ["-c", s])];
    const proc = root
      ? spawn("runuser", ["-u", "postgres", "--", join(bin, "postgres"), ...args], {
          stdio: ["ignore", "ignore", "pipe"],
        })
      : spawn(join(bin, "postgres"), args, { stdio: ["ignore", "ignore", "pipe"] });
    child = proc;
    let stderr = "";
    proc.stderr?.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4_000);
    });
    try {
      await waitForPort(port, 20_000, () => proc.exitCode === null && proc.signalCode === null);
      await untilAccepting(port);
    } catch (err) {
      proc.kill("SIGKILL");
      throw new Error(`postgres did not start: ${(err as Error).message}\n${stderr}`);
    }
  };

  const kill = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    // SIGQUIT is postgres's immediate shutdown; sent to the postmaster itself (its pid is the
    // first line of postmaster.pid), not to runuser in front of it.
    const pid = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
    if (pid > 0) process.kill(pid, "SIGQUIT");
    else proc.kill("SIGQUIT");
    await exited;
    await untilClosed(port);
  };

  await launch();
  let databases = 0;
  const admin = (database = "postgres") =>
    `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  const query = async (sql: string, database?: string) => {
    const client = new pg.Client({ connectionString: admin(database) });
    await client.connect();
    try {
      return await client.query(sql);
    } finally {
      await client.end();
    }
  };
  return {
    port,
    async createDatabase(name) {
      databases += 1;
      const database = name ?? `xr_${process.pid}_${databases}`;
      await query(`CREATE DATABASE "${database}"`);
      return admin(database);
    },
    query,
    kill,
    restart: launch,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresIds(): [number, number] {
  // The postgres user of Debian's package; its ids differ between machines.
  const passwd = readFileSync("/etc/passwd", "utf8");
  const line = passwd.split("\n").find((l) => l.startsWith("postgres:"));
  const [, , uid, gid] = line?.split(":") ?? [];
  if (uid === undefined || gid === undefined) throw new Error("no postgres user");
  return [Number(uid), Number(gid)];
}

/** The port opens before the server takes logins (startup, crash recovery): wait for a login. */
async function untilAccepting(port: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const client = new pg.Client({ host: "127.0.0.1", port, user: "postgres" });
    client.on("error", () => {});
    try {
      await client.connect();
      await client.end();
      return;
    } catch (err) {
      await client.end().catch(() => {});
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function untilClosed(port: number): Promise<void> {
  const { Socket } = await import("node:net");
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
      socket.connect(port, "127.0.0.1");
    });
    if (!open) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
