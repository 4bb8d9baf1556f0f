import { describe, expect, it } from "vitest";
import type { Pinning } from "../../../bench/lib/context.js";
import type { Usage } from "../../../bench/lib/procs.js";
import { costRatios, rigBoundNote } from "../../../bench/lib/rig-bound.js";

const twoCores: Pinning = { prosody: "0", driver: "0", measured: "1" };

function usage(coreBusyPercent: number[], cpuPercent = 50, prosodyCpuPercent = 50): Usage {
  return {
    peakRssMb: 90,
    cpuPercent,
    cpuMs: cpuPercent * 10,
    prosodyCpuPercent,
    driverCpuPercent: 40,
    coreBusyPercent,
  };
}

describe("rigBoundNote", () => {
  it("names the shared core when it saturated before the bridge's", () => {
    expect(rigBoundNote(usage([97, 43]), twoCores)).toBe(
      "rig-bound: CPU 0 (Prosody + driver) 97 % busy, the bridge's CPU 43 %",
    );
  });

  it("says nothing when the bridge's core is the busy one, or neither is", () => {
    expect(rigBoundNote(usage([95, 96]), twoCores)).toBeUndefined();
    expect(rigBoundNote(usage([75, 68]), twoCores)).toBeUndefined();
  });

  it("says nothing on one core, where everything shares it", () => {
    const oneCore: Pinning = { prosody: "0", driver: "0", measured: "0" };
    expect(rigBoundNote(usage([99]), oneCore)).toBeUndefined();
  });
});

describe("costRatios", () => {
  it("compares CPU per message, with and without the bridge's Prosody share", () => {
    // Bridge 60 µs/msg at 50 % of a core; its Prosody 50 % over the same window: 60 µs more.
    const ratios = costRatios({ rate: 8000, cpuUsPerOp: 60 }, usage([97, 50], 50, 50), {
      rate: 5000,
      cpuUsPerOp: 200,
    });
    expect(ratios).toEqual({
      "less CPU/op than mod_rest": 3.33,
      "less CPU/op than mod_rest, Prosody's share included": 1.67,
      "mod_rest at the bridge's CPU/op (projected)": 3.33,
    });
  });

  it("gives nothing without the peer's figures", () => {
    expect(costRatios({ rate: 8000, cpuUsPerOp: 60 }, usage([97, 50]), undefined)).toEqual({});
    expect(
      costRatios({ rate: 8000, cpuUsPerOp: 60 }, usage([97, 50]), {
        rate: 5000,
        cpuUsPerOp: undefined,
      }),
    ).toEqual({});
  });
});
