import { freePort } from "../../test/helpers/ports.js";
import { floodFromComponent, spawnBaseline } from "../lib/baseline.js";
import { launchScenarioBridge, TOKEN } from "../lib/bridge.js";
import type { BenchContext, Row } from "../lib/context.js";
import { pick, ratio, usageFields } from "../lib/context.js";
import { DeliveryTracker, messageBody, parseBody } from "../lib/delivery.js";
import type { LoadResult } from "../lib/load.js";
import { runLoad } from "../lib/load.js";
import { runModRest } from "../lib/mod-rest.js";
import { sampleUsage } from "../lib/procs.js";
import { costRatios, rigBoundNote, type SideCost } from "../lib/rig-bound.js";
import { perSecond } from "../lib/stats.js";
import { connectBenchUser } from "../lib/xmpp-user.js";

const MAX_MESSAGES = 2_000_000;
const RECEIVER = "recv@localhost";

const chat = (seq: number, sentAt: number) =>
  `<message to='${RECEIVER}' type='chat'><body>${messageBody(seq, sentAt)}</body></message>`;

const headers = {
  authorization: `Bearer ${TOKEN}`,
  "content-type": "application/xmpp+xml",
};

/**
 * POST /rest chat messages at each concurrency; a message counts as delivered only when the
 * receiving XMPP client got it. Baselines: a bare component sending the same messages (XMPP
 * ceiling) and a bare hono endpoint answering 202 (HTTP ceiling).
 */
export async function sendMessage(ctx: BenchContext): Promise<Row[]> {
  let tracker = new DeliveryTracker(MAX_MESSAGES);
  const receiver = await connectBenchUser({
    c2sPort: ctx.prosody.c2sPort,
    username: "recv",
    cleanup: ctx.cleanup,
    onStanza: (stanza) => {
      if (stanza.name !== "message") return;
      const parsed = parseBody(stanza.getChildText("body") ?? undefined);
      if (parsed) tracker.arrive(parsed.seq, parsed.sentAt);
    },
  });
  const rows: Row[] = [];
  try {
    const bridge = await launchScenarioBridge(ctx, "send-message");
    const settleMs = ctx.plan.quick ? 5_000 : 15_000;
    const delivered = (load: LoadResult) => {
      let unique = 0;
      for (let seq = 0; seq < load.sent; seq++) if (load.okSeqs[seq] && tracker.has(seq)) unique++;
      return unique;
    };

    for (const connections of ctx.plan.connections) {
      const load = `${connections} conn`;
      // The bridge.
      ctx.progress(`send-message: bridge, ${connections} connections`);
      tracker = new DeliveryTracker(MAX_MESSAGES);
      const usage = sampleUsage(bridge.pid, ctx.prosody.pid);
      const result = await runLoad(
        {
          url: bridge.url,
          connections,
          durationMs: ctx.plan.durationMs,
          maxRequests: MAX_MESSAGES,
          build: (seq, sentAt) => ({ path: "/rest", headers, body: chat(seq, sentAt) }),
        },
        202,
      );
      await tracker.settle(result.ok, 2_000, settleMs);
      const bridgeUsage = usage.stop();
      const got = tracker.report();
      // Counted now: the baselines below replace the tracker.
      const bridgeDelivered = delivered(result);
      const bridgeRate = perSecond(got.unique, got.lastAt - result.startedAt);

      // XMPP ceiling: the same messages from a bare component, no HTTP in between.
      ctx.progress(`send-message: bare component, ${connections} writes in flight`);
      tracker = new DeliveryTracker(MAX_MESSAGES);
      const flood = await floodFromComponent(ctx, tracker, {
        to: RECEIVER,
        concurrency: connections,
        maxCount: MAX_MESSAGES,
        settleMs,
      });
      const { usage: xmppUsage, report: xmpp, rate: xmppRate } = flood;

      // HTTP ceiling: hono answering 202 without touching XMPP.
      ctx.progress(`send-message: bare hono 202, ${connections} connections`);
      const port = await freePort();
      const http = await spawnBaseline(
        "http-202.ts",
        String(port),
        ctx.pinning.measured,
        ctx.cleanup,
      );
      const httpUsage = sampleUsage(http.pid, ctx.prosody.pid);
      const httpResult = await runLoad(
        {
          url: `http://127.0.0.1:${port}`,
          connections,
          durationMs: ctx.plan.durationMs,
          maxRequests: MAX_MESSAGES,
          build: (seq, sentAt) => ({ path: "/rest", headers, body: chat(seq, sentAt) }),
        },
        202,
      );
      const httpStats = httpUsage.stop();
      await http.stop();
      const httpRate = perSecond(httpResult.ok, httpResult.elapsedMs);

      // The mod_rest peer (only with a checkout), the same messages and connections.
      const peer = ctx.prosody.modRest;
      let modRestRate: number | undefined;
      let modRestCost: SideCost | undefined;
      if (peer) {
        ctx.progress(`send-message: mod_rest, ${connections} connections`);
        tracker = new DeliveryTracker(MAX_MESSAGES);
        const peerUsage = sampleUsage(ctx.prosody.pid, ctx.prosody.pid);
        const peerResult = await runModRest(
          ctx,
          peer,
          {
            connections,
            maxRequests: MAX_MESSAGES,
            contentType: "application/xmpp+xml",
            body: chat,
          },
          202,
        );
        await tracker.settle(peerResult.ok, 2_000, settleMs);
        const peerStats = peerUsage.stop();
        const peerGot = tracker.report();
        modRestRate = perSecond(peerGot.unique, peerGot.lastAt - peerResult.startedAt);
        const peerFields = usageFields(peerStats, peerResult.ok);
        modRestCost = { rate: modRestRate, cpuUsPerOp: peerFields.cpuUsPerOp };
        rows.push({
          scenario: "send-message",
          subject: "peer: Prosody mod_rest",
          load,
          throughput: modRestRate,
          unit: "msg/s delivered",
          latency: peerGot.latency,
          errors: peerResult.errors,
          lost: peerResult.ok - delivered(peerResult),
          duplicates: peerGot.duplicates,
          ...peerFields,
          notes: "CPU is all of Prosody's (HTTP, routing and delivery), alone on the measured core",
          details: { statuses: peerResult.statuses, delivered: peerGot },
        });
      }

      const bridgeFields = usageFields(bridgeUsage, result.ok);
      const rigBound = rigBoundNote(bridgeUsage, ctx.pinning);
      rows.push(
        {
          scenario: "send-message",
          subject: "bridge",
          load,
          throughput: bridgeRate,
          unit: "msg/s delivered",
          latency: got.latency,
          errors: result.errors,
          lost: result.ok - bridgeDelivered,
          duplicates: got.duplicates,
          ...bridgeFields,
          ratios: {
            ...pick({
              "XMPP ceiling": ratio(bridgeRate, xmppRate),
              "HTTP ceiling": ratio(bridgeRate, httpRate),
              mod_rest: ratio(bridgeRate, modRestRate),
            }),
            ...costRatios(
              { rate: bridgeRate, cpuUsPerOp: bridgeFields.cpuUsPerOp },
              bridgeUsage,
              modRestCost,
            ),
          },
          notes: [
            `HTTP 202 p50/p99 ${result.latency.p50}/${result.latency.p99} ms; ${perSecond(result.ok, result.elapsedMs)} req/s accepted`,
            ...(rigBound ? [rigBound] : []),
          ].join("; "),
          details: {
            http: result.latency,
            statuses: result.statuses,
            accepted: result.ok,
            delivered: got,
          },
        },
        {
          scenario: "send-message",
          subject: "baseline: bare component (XMPP ceiling)",
          load: `${connections} in flight`,
          throughput: xmppRate,
          unit: "msg/s delivered",
          latency: xmpp.latency,
          lost: flood.sent - xmpp.unique,
          duplicates: xmpp.duplicates,
          ...usageFields(xmppUsage, flood.sent),
          notes: "a flood paced only by TCP: latency is queueing inside Prosody, not a target",
          details: { sent: flood.sent, delivered: xmpp },
        },
        {
          scenario: "send-message",
          subject: "baseline: bare hono 202 (HTTP ceiling)",
          load,
          throughput: httpRate,
          unit: "req/s",
          latency: httpResult.latency,
          errors: httpResult.errors,
          ...usageFields(httpStats, httpResult.ok),
          details: { statuses: httpResult.statuses },
        },
      );
    }
    await bridge.stop();
  } finally {
    await receiver.stop();
  }
  return rows;
}
