import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { createApp } from "../../src/http/app.js";
import { silentLogger } from "../../src/log.js";
import { createMetrics, noMetrics } from "../../src/metrics.js";
import { createIqTracker } from "../../src/xmpp/iq-tracker.js";
import type { Link } from "../../src/xmpp/link.js";
import { botDeps } from "../helpers/app-deps.js";

const env = {
  XMPP_REST_DOMAIN: "rest.example.org",
  XMPP_REST_SECRET: "s",
  XMPP_REST_TOKENS: "tok",
};
const link = {
  state: "online",
  domain: "rest.example.org",
  retryAfterSeconds: () => 1,
  send: async () => {},
} as unknown as Link;

describe("metrics", () => {
  it("keeps each bridge's registry apart, so several can run in one process", async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.stanzasSent.inc({ kind: "message" }, 3);
    const extra = b.counter({ name: "xmpp_rest_test_total", help: "a module's own counter" });
    extra.inc({});
    expect((await a.render()).body).toContain('xmpp_rest_stanzas_sent_total{kind="message"} 3');
    expect((await a.render()).body).not.toContain("xmpp_rest_test_total");
    expect((await b.render()).body).toContain("xmpp_rest_test_total 1");
    expect((await b.render()).body).not.toContain('xmpp_rest_stanzas_sent_total{kind="message"}');
  });

  it("reads a gauge's value at scrape time", async () => {
    const metrics = createMetrics();
    let backlog = 5;
    metrics.gauge({ name: "xmpp_rest_backlog", help: "h", collect: (set) => set({}, backlog) });
    expect((await metrics.render()).body).toContain("xmpp_rest_backlog 5");
    backlog = 7;
    expect((await metrics.render()).body).toContain("xmpp_rest_backlog 7");
  });

  it("counts iq outcomes in the tracker", async () => {
    const metrics = createMetrics();
    const iqs = createIqTracker({ maxPending: 5, metrics });
    const timedOut = iqs.expect("a", "x@example.org", 1);
    await expect(timedOut).rejects.toMatchObject({ status: 504 });
    expect((await metrics.render()).body).toContain(
      'xmpp_rest_iq_outcomes_total{outcome="timeout"} 1',
    );
  });

  it("serves /metrics only when metrics are on, behind its own token when set", async () => {
    const deps = await botDeps(loadConfig({ env }), link);
    const off = createApp({
      ...deps,
      config: loadConfig({ env }),
      link,
      iqs: createIqTracker({ maxPending: 1 }),
      log: silentLogger,
      metrics: noMetrics,
    });
    expect((await off.request("/metrics")).status).toBe(404);

    const guarded = createApp({
      ...deps,
      config: loadConfig({ env: { ...env, XMPP_REST_METRICS_TOKEN: "scrape" } }),
      link,
      iqs: createIqTracker({ maxPending: 1 }),
      log: silentLogger,
      metrics: createMetrics(),
    });
    expect((await guarded.request("/metrics")).status).toBe(401);
    const ok = await guarded.request("/metrics", { headers: { authorization: "Bearer scrape" } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("process_cpu_user_seconds_total");
    const spec = (await (await guarded.request("/openapi.json")).json()) as {
      paths: Record<string, { get?: { security?: unknown } }>;
    };
    expect(spec.paths["/metrics"]?.get?.security).toEqual([{ bearer: [] }]);
    deps.stop();
  });
});
