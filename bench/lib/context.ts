import type { Cleanup, Usage } from "./procs.js";
import type { BenchProsody } from "./prosody.js";
import type { Summary } from "./stats.js";

export interface Plan {
  readonly quick: boolean;
  /** Length of one measured run, ms. */
  readonly durationMs: number;
  /** Concurrency levels for send-message (the others take the ones that apply). */
  readonly connections: readonly number[];
  readonly pendingIqs: number;
  readonly iqTimeoutS: number;
  /** Scenarios to run (all by default). */
  readonly only: readonly string[];
  readonly profile: boolean;
}

/** How the two cores are shared; printed with the results so runs compare. */
export interface Pinning {
  readonly prosody: string;
  readonly driver: string;
  readonly measured: string;
}

export interface BenchContext {
  readonly plan: Plan;
  readonly pinning: Pinning;
  readonly prosody: BenchProsody;
  readonly cleanup: Cleanup;
  /** Compiled bridge entry (undefined: run src/ through tsx). */
  readonly bridgeMain: string | undefined;
  /** Extra environment for every bridge process (NODE_OPTIONS experiments). */
  readonly bridgeEnv: Record<string, string>;
  /** Directory for bridge CPU profiles when --profile is given. */
  readonly profileDir: string | undefined;
  /** Whether the bridge in this tree can call a webhook (XMPP_REST_CALLBACK_URL exists). */
  readonly webhook: boolean;
  progress(line: string): void;
}

/** One line of the results table: the bridge or a baseline under one load. */
export interface Row {
  readonly scenario: string;
  /** "bridge", or the baseline's name. */
  readonly subject: string;
  /** Concurrent HTTP connections, users or pending iqs. */
  readonly load: string;
  /** Completed operations per second (what "completed" means depends on the scenario). */
  readonly throughput?: number;
  readonly unit?: string;
  readonly latency?: Summary;
  readonly errors?: number;
  readonly lost?: number;
  readonly duplicates?: number;
  /** Peak RSS of the measured process (bridge or baseline), MiB. */
  readonly peakRssMb?: number;
  readonly cpuPercent?: number;
  /** CPU time of the measured process per completed operation, µs. */
  readonly cpuUsPerOp?: number | undefined;
  /** CPU % of Prosody and of the driver (load generator, clients, webhook) on the other core. */
  readonly prosodyCpuPercent?: number;
  readonly driverCpuPercent?: number;
  readonly coreBusyPercent?: readonly number[];
  /** Bridge throughput / baseline throughput, keyed by baseline name. */
  readonly ratios?: Record<string, number>;
  readonly notes?: string;
  readonly details?: Record<string, unknown>;
}

export interface ScenarioResult {
  readonly name: string;
  readonly status: "ok" | "not run" | "failed";
  readonly reason?: string;
  readonly rows: Row[];
}

export type Scenario = (ctx: BenchContext) => Promise<Row[]>;

/** Ratio rounded to two decimals; undefined when the baseline did nothing. */
export function ratio(value: number | undefined, baseline: number | undefined): number | undefined {
  if (value === undefined || !baseline) return undefined;
  return Math.round((value / baseline) * 100) / 100;
}

/** Drops undefined ratios (a baseline that did nothing). */
export function pick(ratios: Record<string, number | undefined>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(ratios)) if (value !== undefined) out[name] = value;
  return out;
}

/** The usage columns of a row; `ops` completed operations give the CPU cost of one. */
export function usageFields(usage: Usage, ops?: number) {
  return {
    cpuUsPerOp: ops ? Math.round((usage.cpuMs * 1000) / ops) : undefined,
    peakRssMb: usage.peakRssMb,
    cpuPercent: usage.cpuPercent,
    prosodyCpuPercent: usage.prosodyCpuPercent,
    driverCpuPercent: usage.driverCpuPercent,
    coreBusyPercent: usage.coreBusyPercent,
  };
}
