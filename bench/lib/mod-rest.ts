/**
 * The mod_rest peer: Prosody's own mod_rest on the bench Prosody, driven with the same load as
 * the bridge (present only with $XMPP_REST_BENCH_MOD_REST, see prosody.ts). While it runs,
 * Prosody moves to the measured core, so mod_rest gets a core to itself as the bridge does.
 */
import { execFileSync } from "node:child_process";
import type { BenchContext } from "./context.js";
import { type LoadResult, type RequestSpec, runLoad } from "./load.js";
import type { ModRestPeer } from "./prosody.js";

function pin(pid: number, cpus: string): void {
  execFileSync("taskset", ["-a", "-p", "-c", cpus, String(pid)], { stdio: "ignore" });
}

export async function runModRest(
  ctx: BenchContext,
  peer: ModRestPeer,
  options: {
    connections: number;
    maxRequests: number;
    contentType: string;
    body: (seq: number, sentAt: number) => string;
  },
  expectStatus: number,
): Promise<LoadResult> {
  const headers = {
    authorization: peer.authorization,
    "content-type": options.contentType,
    accept: options.contentType,
  };
  pin(ctx.prosody.pid, ctx.pinning.measured);
  try {
    return await runLoad(
      {
        url: peer.url,
        connections: options.connections,
        durationMs: ctx.plan.durationMs,
        maxRequests: options.maxRequests,
        build: (seq, sentAt): RequestSpec => ({
          path: "/rest",
          headers,
          body: options.body(seq, sentAt),
        }),
      },
      expectStatus,
    );
  } finally {
    pin(ctx.prosody.pid, ctx.pinning.prosody);
  }
}
