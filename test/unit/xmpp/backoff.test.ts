import { describe, expect, it } from "vitest";
import { createBackoff } from "../../../src/xmpp/backoff.js";

const options = { initialMs: 250, unreachableCapMs: 1_000, maxMs: 30_000, stableMs: 10_000 };
const unreachable = { reached: false } as const;
const dropped = (onlineMs = 0) => ({ reached: true, onlineMs }) as const;

describe("reconnect backoff", () => {
  it("retries an unreachable server at most a second apart, however long the outage", () => {
    const backoff = createBackoff(options);
    const delays = Array.from({ length: 500 }, () => backoff.next(unreachable));
    expect(delays.slice(0, 4)).toEqual([250, 500, 1_000, 1_000]);
    expect(Math.max(...delays)).toBe(1_000);
  });

  it("backs off exponentially up to the cap from a server that takes the connection and drops it", () => {
    const backoff = createBackoff(options);
    const delays = Array.from({ length: 12 }, () => backoff.next(dropped()));
    expect(delays.slice(0, 5)).toEqual([250, 500, 1_000, 2_000, 4_000]);
    expect(delays.at(-1)).toBe(30_000);
  });

  it("keeps backing off when the server drops the link soon after it went online", () => {
    const backoff = createBackoff(options);
    const delays = Array.from({ length: 8 }, () => backoff.next(dropped(9_000)));
    expect(delays.at(-1)).toBe(30_000);
  });

  it("does not forget the drops when an unreachable spell comes between them", () => {
    const backoff = createBackoff(options);
    for (let i = 0; i < 6; i++) backoff.next(dropped());
    expect(backoff.next(unreachable)).toBe(250);
    expect(backoff.next(dropped())).toBe(16_000);
  });

  it("starts over after the link was stable, so a restart is caught at once", () => {
    const backoff = createBackoff(options);
    for (let i = 0; i < 10; i++) backoff.next(dropped());
    expect(backoff.next(dropped(10_000))).toBe(250);
    expect(backoff.next(unreachable)).toBe(250);
    expect(backoff.next(dropped())).toBe(250);
  });

  it("peeks at the delay the next failure would get", () => {
    const backoff = createBackoff(options);
    expect(backoff.peek()).toBe(250);
    backoff.next(dropped());
    backoff.next(dropped());
    expect(backoff.peek()).toBe(1_000);
  });
});
