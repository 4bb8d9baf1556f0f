import { describe, expect, it } from "vitest";
import { countedStates } from "../../../src/xmpp/connection-metrics.js";
import type { ConnectionState } from "../../../src/xmpp/supervisor.js";

function gauges() {
  const values: Record<string, number> = {};
  const series = (state: string) => ({
    set: (v: number) => {
      values[state] = v;
    },
    inc: () => {
      values[state] = (values[state] ?? 0) + 1;
    },
    dec: () => {
      values[state] = (values[state] ?? 0) - 1;
    },
  });
  const shared = {
    offline: series("offline"),
    connecting: series("connecting"),
    online: series("online"),
    stopped: series("stopped"),
  } satisfies Record<ConnectionState, unknown>;
  return { values, shared };
}

describe("state gauges shared by many connections", () => {
  it("count the connections in each state, one series per state", () => {
    const { values, shared } = gauges();
    const a = countedStates(shared);
    const b = countedStates(shared);
    const enter = (c: typeof a, state: ConnectionState) => {
      for (const s of ["offline", "connecting", "online", "stopped"] as const)
        c[s].set(s === state ? 1 : 0);
    };
    enter(a, "connecting");
    enter(b, "connecting");
    expect(values).toMatchObject({ connecting: 2 });
    enter(a, "online");
    enter(a, "online");
    expect(values).toMatchObject({ connecting: 1, online: 1 });
    enter(b, "stopped");
    expect(values).toMatchObject({ connecting: 0, online: 1 });
    expect(values.stopped).toBeUndefined();
  });
});
