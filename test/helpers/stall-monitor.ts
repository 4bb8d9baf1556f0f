import { readFileSync } from "node:fs";

/**
 * Event-loop stalls of this process, robust on a loaded machine. A timer that fires every
 * `intervalMs` comes late for two reasons: the loop was busy (a stall: what hardening must
 * prevent), or the process was not scheduled (another process had the core: not ours). The
 * CPU this process used during the late tick tells them apart, so a tick's *blocked* time is
 * min(lateness, CPU used): a hostile body parsed for two seconds counts two seconds, a
 * descheduled process counts close to nothing. On Linux the CPU is the main thread's own
 * (/proc/self/task/<pid>/stat, 10 ms resolution), so GC helper threads working in parallel
 * do not count; elsewhere it is the whole process's, which can only overstate.
 */
export interface StallReport {
  /** Largest lateness of one tick, wall clock (includes being descheduled). */
  readonly maxLateMs: number;
  /** Largest min(lateness, CPU used) of one tick: the loop busy with our own work. */
  readonly maxBlockedMs: number;
  readonly ticks: number;
}

export interface StallMonitor {
  report(): StallReport;
  /** Largest blocked time of one tick since the previous call (attributes stalls to work). */
  takeWindow(): number;
  stop(): StallReport;
}

const TICKS_PER_SECOND = 100; // USER_HZ: the unit of utime/stime in /proc (100 on Linux)

/** CPU ms used so far by the main thread (Linux), or by the whole process (elsewhere). */
function mainThreadCpuMs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start at ") "; utime, stime are 14, 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    const cpu = process.cpuUsage();
    return (cpu.user + cpu.system) / 1000;
  }
}

export function startStallMonitor(intervalMs = 10): StallMonitor {
  let last = performance.now();
  let lastCpu = mainThreadCpuMs();
  let maxLateMs = 0;
  let maxBlockedMs = 0;
  let ticks = 0;
  let windowMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    const cpu = mainThreadCpuMs();
    const late = now - last - intervalMs;
    // Jiffies are coarse: a tick may be billed up to one jiffy (10 ms) of CPU it did not use.
    const cpuMs = cpu - lastCpu;
    ticks += 1;
    maxLateMs = Math.max(maxLateMs, late);
    const blocked = Math.min(late, cpuMs);
    maxBlockedMs = Math.max(maxBlockedMs, blocked);
    windowMs = Math.max(windowMs, blocked);
    last = now;
    lastCpu = cpu;
  }, intervalMs);
  const report = () => ({ maxLateMs, maxBlockedMs, ticks });
  return {
    report,
    takeWindow() {
      const taken = windowMs;
      windowMs = 0;
      return taken;
    },
    stop() {
      clearInterval(timer);
      return report();
    },
  };
}
