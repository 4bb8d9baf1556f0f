import { parseArgs } from "node:util";
import type { Plan } from "./context.js";

export const SCENARIOS = [
  "idle",
  "send-message",
  "send-iq",
  "send-batch",
  "pending-iq",
  "receive-webhook",
  "receive-store",
  "echo-roundtrip",
  "pull-streams",
  "accounts",
  "account-lists",
  "failover",
  "store",
] as const;

const USAGE = `usage: npm run bench -- [--quick] [--duration <s>] [--connections <n,n,...>]
                        [--only <scenario,...>] [--profile] [--tsx]

  --quick          short runs (the whole benchmark in under 2 minutes)
  --duration <s>   seconds per measured run (quick: 2, full: 8)
  --connections    concurrency levels for send-message (default 1,16,64);
                   send-iq uses the ones above 1, echo-roundtrip 1 and the largest up to 16
  --only           run only these scenarios: ${SCENARIOS.join(", ")}
  --profile        write V8 CPU profiles of the bridge to bench/results/profiles/
  --tsx            run the bridge from src/ through tsx instead of a compiled copy
  --bridge-node-options <flags>
                   NODE_OPTIONS for the bridge process only (experiments, e.g. a preload)
  --bridge-env <KEY=VALUE,...>
                   extra environment for the bridge (e.g. XMPP_REST_METRICS=off to compare)
`;

export interface Cli {
  readonly plan: Plan;
  readonly tsx: boolean;
  readonly bridgeNodeOptions: string | undefined;
  /** Extra XMPP_REST_* settings for every bridge of the run (A/B comparisons). */
  readonly bridgeEnv: Record<string, string>;
}

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n${USAGE}`);
  process.exit(2);
}

/** Reads the command line once; every value is checked and named when wrong. */
export function readCli(argv: readonly string[]): Cli {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        quick: { type: "boolean" },
        duration: { type: "string" },
        connections: { type: "string" },
        only: { type: "string" },
        profile: { type: "boolean" },
        tsx: { type: "boolean" },
        "bridge-node-options": { type: "string" },
        "bridge-env": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const quick = values.quick === true;
  const durationS = values.duration === undefined ? (quick ? 2 : 8) : Number(values.duration);
  if (!Number.isFinite(durationS) || durationS <= 0 || durationS > 120) {
    fail(`--duration "${String(values.duration)}" is not valid; expected seconds from 0.1 to 120`);
  }
  const connections =
    typeof values.connections === "string"
      ? values.connections.split(",").map((s) => Number(s.trim()))
      : [1, 16, 64];
  if (connections.some((n) => !Number.isInteger(n) || n < 1 || n > 1024)) {
    fail(`--connections "${String(values.connections)}" is not valid; expected numbers 1 to 1024`);
  }
  const only =
    typeof values.only === "string" ? values.only.split(",").map((s) => s.trim()) : [...SCENARIOS];
  const unknown = only.find((name) => !(SCENARIOS as readonly string[]).includes(name));
  if (unknown) fail(`--only: unknown scenario "${unknown}"; expected ${SCENARIOS.join(", ")}`);
  const bridgeEnv: Record<string, string> = {};
  if (typeof values["bridge-env"] === "string") {
    for (const pair of values["bridge-env"].split(",")) {
      const match = /^(XMPP_REST_[A-Z0-9_]+)=(.*)$/.exec(pair.trim());
      if (!match?.[1]) fail(`--bridge-env "${pair}" is not valid; expected XMPP_REST_NAME=value`);
      bridgeEnv[match[1]] = match[2] ?? "";
    }
  }
  return {
    bridgeEnv,
    plan: {
      quick,
      durationMs: Math.round(durationS * 1000),
      connections,
      pendingIqs: 10_000,
      iqTimeoutS: quick ? 10 : 15,
      only,
      profile: values.profile === true,
    },
    tsx: values.tsx === true,
    bridgeNodeOptions:
      typeof values["bridge-node-options"] === "string" ? values["bridge-node-options"] : undefined,
  };
}
