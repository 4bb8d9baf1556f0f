/**
 * What limits a send scenario on this rig. With two cores, Prosody shares its core with
 * the load generator and the receiving client, while mod_rest (the peer) has Prosody alone
 * on the measured core: once that shared core is saturated, a faster bridge cannot deliver
 * more, and the delivered-rate ratio against mod_rest stops measuring the bridge. These
 * figures say when that happened and what the bridge's own cost per message allows.
 */
import { type Pinning, pick, ratio } from "./context.js";
import type { Usage } from "./procs.js";

/** A core this busy is taken as saturated (the sampler's /proc/stat readings top out near 100). */
const SATURATED_PERCENT = 90;

export interface SideCost {
  /** Completed operations per second. */
  readonly rate: number;
  /** CPU of the measured process per completed operation, µs. */
  readonly cpuUsPerOp: number | undefined;
}

/**
 * Ratios against the peer that do not depend on the rig. mod_rest's CPU is all of Prosody's
 * (HTTP, routing, delivery); the bridge's Prosody still routes and delivers, so the second
 * ratio adds Prosody's share per message (its CPU over the same window) to the bridge's.
 */
export function costRatios(
  bridge: SideCost,
  bridgeUsage: Usage,
  peer: SideCost | undefined,
): Record<string, number> {
  if (!peer?.cpuUsPerOp || !bridge.cpuUsPerOp) return {};
  const prosodyUsPerOp =
    bridgeUsage.cpuPercent > 0
      ? (bridge.cpuUsPerOp * bridgeUsage.prosodyCpuPercent) / bridgeUsage.cpuPercent
      : 0;
  return pick({
    "less CPU/op than mod_rest": ratio(peer.cpuUsPerOp, bridge.cpuUsPerOp),
    "less CPU/op than mod_rest, Prosody's share included": ratio(
      peer.cpuUsPerOp,
      bridge.cpuUsPerOp + prosodyUsPerOp,
    ),
    // Projected, not measured: a core of its own at this cost, no other limit.
    "mod_rest at the bridge's CPU/op (projected)": ratio(1e6 / bridge.cpuUsPerOp, peer.rate),
  });
}

/** A note when the shared core (Prosody + driver) saturated before the bridge's core did. */
export function rigBoundNote(usage: Usage, pinning: Pinning): string | undefined {
  const shared = usage.coreBusyPercent[Number(pinning.prosody)];
  const measured = usage.coreBusyPercent[Number(pinning.measured)];
  if (shared === undefined || measured === undefined) return undefined;
  if (shared < SATURATED_PERCENT || measured >= SATURATED_PERCENT) return undefined;
  return `rig-bound: CPU ${pinning.prosody} (Prosody + driver) ${shared} % busy, the bridge's CPU ${measured} %`;
}
