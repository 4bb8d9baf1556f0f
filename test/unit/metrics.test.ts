import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { createApp } from "../../src/http/app.js";
import { createMetrics, noMetrics } from "../../src/metrics.js";
import { connectionMetrics } from "../../src/xmpp/connection-metrics.js";
import { createIqTracker } from "../../src/xmpp/iq-tracker.js";
import type { Link } from "../../src/xmpp/link.js";
import { appDeps } from "../helpers/app-deps.js";

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
    a.stanzasSent.inc({ connection: "component", kind: "message" }, 3);
    const extra = b.counter({ name: "xmpp_rest_test_total", help: "a module's own counter" });
    extra.inc({});
    expect((await a.render()).body).toContain(
      'xmpp_rest_stanzas_sent_total{connection="component",kind="message"} 3',
    );
    expect((await a.render()).body).not.toContain("xmpp_rest_test_total");
    expect((await b.render()).body).toContain("xmpp_rest_test_total 1");
    expect((await b.render()).body).not.toContain(
      'xmpp_rest_stanzas_sent_total{connection="component",kind="message"}',
    );
  });

  it("renders histograms exactly as prom-client's own Histogram does", async () => {
    const config = {
      name: "xmpp_rest_test_seconds",
      help: "a test histogram",
      labelNames: ["route", "status"] as const,
      buckets: [0.01, 0.1, 1],
    };
    const metrics = createMetrics({ processMetrics: false });
    const ours = metrics.histogram<"route" | "status">({
      ...config,
      labelNames: ["route", "status"],
    });
    const registry = new Registry();
    const reference = new Histogram({
      ...config,
      labelNames: ["route", "status"],
      registers: [registry],
    });
    const observations: [string, number, number][] = [
      ["/rest", 202, 0.0005],
      ["/rest", 202, 0.01],
      ["/rest", 202, 0.05],
      ["/rest", 200, 2.5],
      ['/a"b\\c', 500, 0.3],
      ["/rest", 202, 1],
    ];
    for (const [route, status, seconds] of observations) {
      ours.observe({ route, status }, seconds);
      reference.observe({ route, status }, seconds);
    }
    const block = (text: string) =>
      text.split("\n\n").find((part) => part.includes(`# TYPE ${config.name} histogram`));
    const expected = block(await registry.metrics());
    expect(expected).toContain(
      'xmpp_rest_test_seconds_bucket{le="0.1",route="/rest",status="202"} 3',
    );
    expect(block((await metrics.render()).body)).toBe(expected);
  });

  it("renders counters and gauges, bound or not, exactly as prom-client's own do", async () => {
    const metrics = createMetrics({ processMetrics: false });
    const registry = new Registry();
    const labelNames = ["connection", "kind"] as const;
    const ours = {
      counter: metrics.counter<"connection" | "kind">({
        name: "xmpp_rest_test_total",
        help: "a test counter",
        labelNames: [...labelNames],
      }),
      gauge: metrics.gauge<"connection">({
        name: "xmpp_rest_test_gauge",
        help: "a test gauge",
        labelNames: ["connection"],
      }),
      plain: metrics.counter({ name: "xmpp_rest_test_plain_total", help: "no labels" }),
    };
    const reference = {
      counter: new Counter({
        name: "xmpp_rest_test_total",
        help: "a test counter",
        labelNames: [...labelNames],
        registers: [registry],
      }),
      gauge: new Gauge({
        name: "xmpp_rest_test_gauge",
        help: "a test gauge",
        labelNames: ["connection"],
        registers: [registry],
      }),
      plain: new Counter({
        name: "xmpp_rest_test_plain_total",
        help: "no labels",
        registers: [registry],
      }),
    };
    const bound = ours.counter.labels({ connection: 'a"b', kind: "message" });
    bound.inc();
    bound.inc(2);
    reference.counter.inc({ connection: 'a"b', kind: "message" }, 3);
    ours.counter.inc({ connection: "c", kind: "iq" });
    reference.counter.inc({ connection: "c", kind: "iq" });
    const pending = ours.gauge.labels({ connection: "c" });
    pending.set(5);
    pending.dec();
    reference.gauge.set({ connection: "c" }, 4);
    ours.gauge.inc({ connection: "d" }, 2);
    reference.gauge.inc({ connection: "d" }, 2);
    // A series bound and never updated does not show, as prom-client's labels() does not.
    ours.gauge.labels({ connection: "unused" });
    reference.gauge.labels({ connection: "unused" });
    const blocks = (text: string) =>
      text.split("\n\n").filter((part) => part.includes("# TYPE xmpp_rest_test_"));
    const expected = blocks(await registry.metrics());
    expect(expected).toHaveLength(3);
    expect(expected.join("\n")).toContain(
      'xmpp_rest_test_total{connection="a\\"b",kind="message"} 3',
    );
    expect(blocks((await metrics.render()).body)).toEqual(expected);
    expect(() => ours.counter.inc({ connection: "c", kind: "iq" }, -1)).toThrow();
  });

  it("reads the store's backlog and the stream consumers from the sources the wiring gives", async () => {
    const metrics = createMetrics({ processMetrics: false });
    expect((await metrics.render()).body).toContain("xmpp_rest_webhook_pending_deliveries 0");
    let pending = 3;
    metrics.readFrom({
      backlog: async () => ({ pending, failed: 2, oldestPendingAt: Date.now() - 5_000 }),
      consumers: () => ({ sse: 1, websocket: 0, "long-poll": 2 }),
    });
    const body = (await metrics.render()).body;
    expect(body).toContain("xmpp_rest_webhook_pending_deliveries 3");
    expect(body).toContain("xmpp_rest_webhook_dead_letters 2");
    expect(body).toMatch(/xmpp_rest_webhook_oldest_pending_age_seconds (4\.9|5)/);
    expect(body).toContain('xmpp_rest_stream_consumers{kind="sse"} 1');
    expect(body).toContain('xmpp_rest_stream_consumers{kind="long-poll"} 2');
    pending = 0;
    expect((await metrics.render()).body).toContain("xmpp_rest_webhook_pending_deliveries 0");
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
    const iqs = createIqTracker({
      maxPending: 5,
      metrics: connectionMetrics(metrics, "component").iqs,
    });
    const timedOut = iqs.expect("a", "x@example.org", 1);
    await expect(timedOut).rejects.toMatchObject({ status: 504 });
    expect((await metrics.render()).body).toContain(
      'xmpp_rest_iq_outcomes_total{connection="component",outcome="timeout"} 1',
    );
  });

  it("serves /metrics only when metrics are on, behind its own token when set", async () => {
    const deps = await appDeps(loadConfig({ env }), link);
    const off = createApp({ ...deps, metrics: noMetrics });
    expect((await off.request("/metrics")).status).toBe(404);

    const guarded = createApp({
      ...deps,
      settings: loadConfig({ env: { ...env, XMPP_REST_METRICS_TOKEN: "scrape" } }),
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
