import { loadConfig } from "../../src/config.js";
import { createApp } from "../../src/http/app.js";
import { createMetrics, type Metrics, noMetrics } from "../../src/metrics.js";
import { connectionMetrics } from "../../src/xmpp/connection-metrics.js";
import { createIqTracker } from "../../src/xmpp/iq-tracker.js";
import { appDeps } from "../../test/helpers/app-deps.js";
import { fakeLink } from "../../test/helpers/fake-link.js";

const perBlock = Number(process.argv[2] ?? 20_000);
const blocks = Number(process.argv[3] ?? 6);

const config = loadConfig({
  env: { XMPP_REST_DOMAIN: "rest.localhost", XMPP_REST_SECRET: "s", XMPP_REST_TOKENS: "tok" },
});

async function app(metrics: Metrics) {
  let sent = 0;
  const iqs = createIqTracker({
    maxPending: 10,
    metrics: connectionMetrics(metrics, "component").iqs,
  });
  const link = fakeLink(
    config.domain,
    () => {
      sent += 1;
      metrics.stanzasSent.inc({ connection: "component", kind: "message" });
    },
    iqs,
  );
  const deps = await appDeps(config, link);
  return {
    app: createApp({ ...deps, metrics }),
    sent: () => sent,
  };
}

const subjects = {
  on: await app(process.env.AA ? noMetrics : createMetrics()),
  off: await app(noMetrics),
};
const headers = { authorization: "Bearer tok", "content-type": "application/xmpp+xml" };

async function block(subject: (typeof subjects)["on"]): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < perBlock; i++) {
    const res = await subject.app.request("/rest", {
      method: "POST",
      headers,
      body: `<message to="recv@localhost" type="chat"><body>${i}</body></message>`,
    });
    if (res.status !== 202) throw new Error(`status ${res.status}`);
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / perBlock;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? 0;
const results: Record<"on" | "off", number[]> = { on: [], off: [] };
await block(subjects.on); // warm-up, both paths
await block(subjects.off);
for (let i = 0; i < blocks; i++) {
  for (const name of i % 2 === 0 ? (["on", "off"] as const) : (["off", "on"] as const)) {
    results[name].push(await block(subjects[name]));
  }
}
const on = median(results.on);
const off = median(results.off);
process.stdout.write(
  `${perBlock} requests x ${blocks} blocks each; CPU µs/request, median (all blocks)\n` +
    `metrics on:  ${on.toFixed(2)} (${results.on.map((v) => v.toFixed(1)).join(", ")})\n` +
    `metrics off: ${off.toFixed(2)} (${results.off.map((v) => v.toFixed(1)).join(", ")})\n` +
    `difference:  ${(on - off).toFixed(2)} µs/request (${(((on - off) / off) * 100).toFixed(1)}%)\n`,
);

// What the send path adds per request with metrics on, call by call.
const instruments = createMetrics({ processMetrics: false });
const calls = 1_000_000;
const perCall = (what: string, call: () => void) => {
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) call();
  const used = process.cpuUsage(start);
  process.stdout.write(`${what}: ${((used.user + used.system) / calls).toFixed(3)} µs\n`);
};
perCall("request histogram observe", () =>
  instruments.httpRequests.observe({ method: "POST", route: "/rest", status: 202 }, 0.0004),
);
perCall("stanzas sent counter inc", () =>
  instruments.stanzasSent.inc({ connection: "component", kind: "message" }),
);
// What the link does per stanza: its series are bound once per connection.
const sentMessages = connectionMetrics(instruments, "component").sent.message;
perCall("stanzas sent series inc (bound)", () => sentMessages.inc());
perCall("performance.now", () => performance.now());
