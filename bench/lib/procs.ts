import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";

/** Stops everything a run started, newest first, also when a scenario throws. */
export class Cleanup {
  private readonly stops: { name: string; stop: () => Promise<void> }[] = [];

  add(name: string, stop: () => Promise<void>): () => Promise<void> {
    const entry = { name, stop };
    this.stops.push(entry);
    return async () => {
      const index = this.stops.indexOf(entry);
      if (index === -1) return;
      this.stops.splice(index, 1);
      await stop();
    };
  }

  async runAll(): Promise<void> {
    while (this.stops.length > 0) {
      const entry = this.stops.pop();
      if (!entry) break;
      try {
        await entry.stop();
      } catch (err) {
        process.stderr.write(`bench: stopping ${entry.name} failed: ${String(err)}\n`);
      }
    }
  }
}

export interface Pinned {
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL if it has not exited after graceMs. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly ipc?: boolean;
  /** Where the child's stderr goes: inherited (shown) or collected for error messages. */
  readonly stderr?: "inherit" | "collect";
}

/** Starts `command` pinned to the given CPU list with taskset (which execs, so pid is the command). */
export function spawnPinned(
  cpus: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): Pinned & { stderrText(): string } {
  const stdio: ("ignore" | "pipe" | "inherit" | "ipc")[] = [
    "ignore",
    "ignore",
    options.stderr === "inherit" ? "inherit" : "pipe",
  ];
  if (options.ipc) stdio.push("ipc");
  const proc = spawn("taskset", ["-c", cpus, command, ...args], {
    stdio,
    env: options.env ?? process.env,
  });
  let stderr = "";
  proc.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  const exited = new Promise<number | null>((resolve) => {
    if (proc.exitCode !== null) resolve(proc.exitCode);
    proc.once("exit", (code) => resolve(code));
  });
  const alive = () => proc.exitCode === null && proc.signalCode === null;
  return {
    proc,
    pid: proc.pid ?? -1,
    exited,
    stderrText: () => stderr,
    async stop(graceMs = 5_000) {
      if (!alive()) return;
      proc.kill("SIGTERM");
      const timer = setTimeout(() => {
        if (alive()) proc.kill("SIGKILL");
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Pins this process (every thread, hence -a) to a CPU list. */
export function pinSelf(cpus: string): void {
  execFileSync("taskset", ["-a", "-p", "-c", cpus, String(process.pid)], { stdio: "ignore" });
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Resident set size in bytes, from /proc (0 once the process is gone). */
export function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** User + system CPU time of a process in ms. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

export interface Usage {
  /** Highest RSS of the measured process seen while sampling, MiB. */
  readonly peakRssMb: number;
  /** CPU used by the measured process over the window, % of one core. */
  readonly cpuPercent: number;
  /** CPU time of the measured process over the window, ms. */
  readonly cpuMs: number;
  /** The same for Prosody and for this driver process (they share the other core). */
  readonly prosodyCpuPercent: number;
  readonly driverCpuPercent: number;
  /** How busy each core was (user, system, softirq...), %: shows which side saturated. */
  readonly coreBusyPercent: number[];
}

/** Busy and total jiffies of each core, from /proc/stat. */
function coreTimes(): { busy: number; total: number }[] {
  try {
    return readFileSync("/proc/stat", "utf8")
      .split("\n")
      .filter((line) => /^cpu\d+ /.test(line))
      .map((line) => {
        const values = line.trim().split(/\s+/).slice(1).map(Number);
        const total = values.reduce((a, b) => a + b, 0);
        // idle and iowait are the 4th and 5th values.
        return { busy: total - (values[3] ?? 0) - (values[4] ?? 0), total };
      });
  } catch {
    return [];
  }
}

/** CPU time of a process, remembering the last reading so an exited process still counts. */
function cpuReader(pid: number): () => number {
  let last = cpuMs(pid);
  return () => {
    const value = cpuMs(pid);
    if (value > 0) last = value;
    return last;
  };
}

/**
 * Samples the measured process's RSS every intervalMs, and the CPU time of it, of Prosody and
 * of this driver between start and stop.
 */
export function sampleUsage(pid: number, prosodyPid: number, intervalMs = 50): { stop(): Usage } {
  const measured = cpuReader(pid);
  const prosody = cpuReader(prosodyPid);
  const start = {
    measured: measured(),
    prosody: prosody(),
    driver: process.cpuUsage(),
    cores: coreTimes(),
  };
  const startAt = performance.now();
  let peak = rssBytes(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssBytes(pid));
    measured();
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, rssBytes(pid));
      const wall = performance.now() - startAt;
      const percent = (ms: number) => (wall > 0 ? Math.round((ms / wall) * 100) : 0);
      const driver = process.cpuUsage(start.driver);
      return {
        peakRssMb: mb(peak),
        cpuPercent: percent(measured() - start.measured),
        cpuMs: Math.round(measured() - start.measured),
        prosodyCpuPercent: percent(prosody() - start.prosody),
        driverCpuPercent: percent((driver.user + driver.system) / 1000),
        coreBusyPercent: coreTimes().map((core, i) => {
          const before = start.cores[i];
          const total = core.total - (before?.total ?? 0);
          return total > 0 ? Math.round(((core.busy - (before?.busy ?? 0)) / total) * 100) : 0;
        }),
      };
    },
  };
}

export const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
