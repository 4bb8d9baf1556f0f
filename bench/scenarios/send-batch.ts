import { floodFromComponent } from "../lib/baseline.js";
import { launchScenarioBridge, TOKEN } from "../lib/bridge.js";
import type { BenchContext, Row } from "../lib/context.js";
import { pick, ratio, usageFields } from "../lib/context.js";
import { DeliveryTracker, messageBody, parseBody } from "../lib/delivery.js";
import { runLoad } from "../lib/load.js";
import { sampleUsage } from "../lib/procs.js";
import { perSecond } from "../lib/stats.js";
import { connectBenchUser } from "../lib/xmpp-user.js";

const MAX_MESSAGES = 2_000_000;
const BATCH = 100;
const CONNECTIONS = 4;
const RECEIVER = "recv@localhost";

const headers = {
  authorization: `Bearer ${TOKEN}`,
  "content-type": "application/json",
  accept: "application/json",
};

/** Request `seq` carries messages seq*BATCH .. seq*BATCH+BATCH-1. */
const batch = (seq: number, sentAt: number) =>
  JSON.stringify({
    xmpp: Array.from({ length: BATCH }, (_, i) => ({
      to: RECEIVER,
      type: "chat",
      body: messageBody(seq * BATCH + i, sentAt),
    })),
  });

/**
 * POST /rest batches of 100 chat messages (JSON) over 4 connections; a message counts when
 * the receiving client got it. Baseline: a bare component flooding the same client, 64
 * writes in flight (the XMPP ceiling).
 */
export async function sendBatch(ctx: BenchContext): Promise<Row[]> {
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
  try {
    const settleMs = ctx.plan.quick ? 5_000 : 15_000;
    const bridge = await launchScenarioBridge(ctx, "send-batch");
    ctx.progress(`send-batch: bridge, ${CONNECTIONS} connections x ${BATCH} stanzas`);
    const usage = sampleUsage(bridge.pid, ctx.prosody.pid);
    const result = await runLoad(
      {
        url: bridge.url,
        connections: CONNECTIONS,
        durationMs: ctx.plan.durationMs,
        maxRequests: Math.floor(MAX_MESSAGES / BATCH),
        build: (seq, sentAt) => ({ path: "/rest", headers, body: batch(seq, sentAt) }),
      },
      200,
    );
    await tracker.settle(result.ok * BATCH, 2_000, settleMs);
    const bridgeUsage = usage.stop();
    await bridge.stop();
    const got = tracker.report();
    const bridgeRate = perSecond(got.unique, got.lastAt - result.startedAt);

    ctx.progress("send-batch: bare component, 64 writes in flight");
    tracker = new DeliveryTracker(MAX_MESSAGES);
    const flood = await floodFromComponent(ctx, tracker, {
      to: RECEIVER,
      concurrency: 64,
      maxCount: MAX_MESSAGES,
      settleMs,
    });
    const { usage: xmppUsage, report: xmpp, rate: xmppRate } = flood;

    const accepted = result.ok * BATCH;
    return [
      {
        scenario: "send-batch",
        subject: "bridge",
        load: `${CONNECTIONS} conn x ${BATCH}`,
        throughput: bridgeRate,
        unit: "msg/s delivered",
        latency: got.latency,
        errors: result.errors,
        lost: accepted - got.unique,
        duplicates: got.duplicates,
        ...usageFields(bridgeUsage, accepted),
        ratios: pick({ "XMPP ceiling": ratio(bridgeRate, xmppRate) }),
        notes: `HTTP 200 p50/p99 ${result.latency.p50}/${result.latency.p99} ms per batch of ${BATCH}`,
        details: { http: result.latency, statuses: result.statuses, accepted, delivered: got },
      },
      {
        scenario: "send-batch",
        subject: "baseline: bare component (XMPP ceiling)",
        load: "64 in flight",
        throughput: xmppRate,
        unit: "msg/s delivered",
        latency: xmpp.latency,
        lost: flood.sent - xmpp.unique,
        duplicates: xmpp.duplicates,
        ...usageFields(xmppUsage, flood.sent),
        details: { sent: flood.sent, delivered: xmpp },
      },
    ];
  } finally {
    await receiver.stop();
  }
}
