/**
 * Recovery after a long outage, with the bridge's default reconnect policy: the server stays
 * down for longer than the old 30 s backoff cap, and the link must be up again within 2 s of
 * the server's return (issue 13, point 4).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBridge, type TestBridge } from "../helpers/bridge.js";
import { startXmppServer, type XmppServer } from "../helpers/server.js";

const OUTAGE_MS = 31_000;

let prosody: XmppServer;
let bridge: TestBridge;

beforeAll(async () => {
  prosody = await startXmppServer();
  // {} = the link's own defaults, not the test helper's fast ones.
  bridge = await startTestBridge(prosody, {}, { backoff: {} });
});

afterAll(async () => {
  await bridge?.stop();
  await prosody?.stop();
});

describe("after an outage longer than the old backoff cap", () => {
  it("is online again within 2 s of the server's return", async () => {
    const { link } = bridge.bridge;
    const killedAt = performance.now();
    await prosody.kill();
    // Hold the server down until the outage is long enough, counting the link's failed
    // attempts on the way: the restart then comes while the link is in its retry loop.
    let failedAttempts = 0;
    await new Promise<void>((resolve) => {
      const off = link.onStateChange((state) => {
        if (state !== "offline") return;
        failedAttempts += 1;
        if (performance.now() - killedAt >= OUTAGE_MS) {
          off();
          resolve();
        }
      });
    });
    expect(failedAttempts).toBeGreaterThanOrEqual(2);

    await prosody.restart();
    const backAt = performance.now();
    await link.waitOnline(10_000);
    expect(performance.now() - backAt).toBeLessThan(2_000);

    const res = await bridge.post('<message to="nobody@localhost"><body>back</body></message>');
    expect(res.status).toBe(202);
  }, 60_000);
});
