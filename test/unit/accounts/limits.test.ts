import { describe, expect, it } from "vitest";
import { createFailureLimiter } from "../../../src/accounts/limits.js";

describe("failed logins per key", () => {
  it("blocks the sixth attempt within the window and says for how long", () => {
    let now = 0;
    const limiter = createFailureLimiter({ max: 5, windowMs: 60_000, now: () => now });
    for (let n = 0; n < 5; n++) {
      expect(limiter.blockedFor("jid:a")).toBe(0);
      limiter.fail("jid:a");
      now += 1_000;
    }
    expect(limiter.blockedFor("jid:a")).toBe(55);
    expect(limiter.blockedFor("jid:b")).toBe(0);
    now = 60_001;
    expect(limiter.blockedFor("jid:a")).toBe(0);
  });

  it("tracks a bounded number of keys", () => {
    const limiter = createFailureLimiter({ max: 1, windowMs: 60_000, maxKeys: 2, now: () => 0 });
    for (const key of ["a", "b", "c"]) limiter.fail(key);
    expect(limiter.blockedFor("a")).toBe(0);
    expect(limiter.blockedFor("c")).toBeGreaterThan(0);
  });
});
