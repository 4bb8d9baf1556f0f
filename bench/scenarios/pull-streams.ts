import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchScenarioBridge, TOKEN } from "../lib/bridge.js";
import { sleep } from "../lib/clock.js";
import type { BenchContext, Row } from "../lib/context.js";
import { ratio, usageFields } from "../lib/context.js";
import { type DeliveryReport, DeliveryTracker, parseBody } from "../lib/delivery.js";
import { mb, rssBytes, sampleUsage } from "../lib/procs.js";
import { perSecond } from "../lib/stats.js";
import { startWebhook, Window } from "../lib/webhook-server.js";
import { CLIENTS, connectSenders, flood, WINDOW } from "./receive-webhook.js";

const MAX_MESSAGES = 2_000_000;
/** flood() writes to bot0..bot15: here each of them is a pulling bot. */
const BOTS = 16;
const IDLE_CONNECTIONS = 1_000;

interface PullEvent {
  readonly id: string;
  readonly stanza: { readonly body?: string };
}

/** One SSE connection (node:http, no EventSource in Node 20) feeding `onEvent`. */
function openSse(url: string, onEvent: (event: PullEvent) => void): { close(): void } {
  const req = request(url, {
    headers: { authorization: `Bearer ${TOKEN}`, accept: "text/event-stream" },
    agent: false,
  });
  req.on("response", (res) => {
    let buffer = "";
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      buffer += chunk;
      let end = buffer.indexOf("\n\n");
      while (end !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf("\n\n");
        const data = block.split("\n").find((line) => line.startsWith("data: "));
        if (data && !block.startsWith("event: close")) onEvent(JSON.parse(data.slice(6)));
      }
    });
    res.on("error", () => {});
  });
  req.on("error", () => {});
  req.end();
  return { close: () => req.destroy() };
}

async function consumersOf(url: string, bot: string): Promise<number> {
  const res = await fetch(`${url}/v1/bots/${bot}`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  return ((await res.json()) as { consumers: number }).consumers;
}

/**
 * Users flood chat messages (receive-webhook's load) to 16 pulling bots; the events reach
 * 16 SSE consumers, then 16 long-poll loops. Same run: the same flood to the global
 * webhook (204). Then 1,000 idle SSE connections to one bot: RSS per connection.
 */
export async function pullStreams(ctx: BenchContext): Promise<Row[]> {
  const dir = await mkdtemp(join(tmpdir(), "xmpp-rest-bench-bots-"));
  const configPath = join(dir, "config.json");
  const bots: Record<string, { tokens: string[] }> = {};
  for (let i = 0; i < BOTS; i++) bots[`bot${i}`] = { tokens: [`bench-bot-token-${i}-0123456789`] };
  await writeFile(configPath, JSON.stringify({ bots }));

  let tracker = new DeliveryTracker(MAX_MESSAGES);
  let window = new Window(WINDOW);
  let errorReplies = 0;
  const arrive = (body: string | undefined) => {
    const parsed = parseBody(body);
    if (parsed && tracker.arrive(parsed.seq, parsed.sentAt)) window.release();
  };
  const hook = await startWebhook((payload) => {
    arrive(/<body>([^<]*)<\/body>/.exec(payload)?.[1]);
    return { status: 204 };
  }, ctx.cleanup);
  const users = await connectSenders(ctx, () => {
    errorReplies += 1;
    window.release();
  });
  const settleMs = ctx.plan.quick ? 5_000 : 15_000;
  const domain = ctx.prosody.componentDomain;
  const rows: Row[] = [];
  const measure = async (
    subject: string,
    pid: number,
    unit: string,
  ): Promise<{ rate: number; report: DeliveryReport; row: Row }> => {
    tracker = new DeliveryTracker(MAX_MESSAGES);
    window = new Window(WINDOW);
    errorReplies = 0;
    const usage = sampleUsage(pid, ctx.prosody.pid);
    const sent = await flood(users, domain, window, ctx.plan.durationMs);
    await tracker.settle(sent.sent, 2_000, settleMs);
    const used = usage.stop();
    const report = tracker.report();
    const rate = perSecond(report.unique, report.lastAt - sent.startedAt);
    const row: Row = {
      scenario: "pull-streams",
      subject,
      load: `${CLIENTS} clients, ${WINDOW} in flight, ${BOTS} bots`,
      throughput: rate,
      unit,
      latency: report.latency,
      errors: errorReplies,
      lost: sent.sent - report.unique,
      duplicates: report.duplicates,
      ...usageFields(used, report.unique),
      notes: `latency: client send → consumer got the event; ${sent.sent} sent`,
    };
    return { rate, report, row };
  };

  try {
    ctx.progress("pull-streams: global webhook (same run)");
    const hooked = await launchScenarioBridge(ctx, "pull-streams-webhook", {
      XMPP_REST_CALLBACK_URL: hook.url,
    });
    const webhook = await measure("bridge: global webhook", hooked.pid, "stanza/s at webhook");
    await hooked.stop();

    ctx.progress(`pull-streams: ${BOTS} SSE consumers`);
    const bridge = await launchScenarioBridge(ctx, "pull-streams", {
      XMPP_REST_CONFIG: configPath,
    });
    const last = new Map<string, string>();
    const streams = Array.from({ length: BOTS }, (_, i) =>
      openSse(`${bridge.url}/v1/bots/bot${i}/events`, (event) => {
        last.set(`bot${i}`, event.id);
        arrive(event.stanza.body);
      }),
    );
    for (let i = 0; i < BOTS; i++) {
      while ((await consumersOf(bridge.url, `bot${i}`)) < 1) await sleep(20);
    }
    const sse = await measure("bridge: SSE", bridge.pid, "events/s at SSE consumers");
    for (const stream of streams) stream.close();
    rows.push({
      ...sse.row,
      ratios: webhook.rate ? { "global webhook": ratio(sse.rate, webhook.rate) ?? 0 } : {},
    });

    ctx.progress(`pull-streams: ${BOTS} long-poll loops`);
    let polling = true;
    const loops = Array.from({ length: BOTS }, async (_, i) => {
      let after = last.get(`bot${i}`) ?? "0";
      while (polling) {
        const res = await fetch(
          `${bridge.url}/v1/bots/bot${i}/events?after=${after}&wait=2&limit=100`,
          { headers: { authorization: `Bearer ${TOKEN}` } },
        );
        const events = (await res.json()) as PullEvent[];
        for (const event of events) {
          after = event.id;
          arrive(event.stanza.body);
        }
      }
    });
    const poll = await measure("bridge: long-poll", bridge.pid, "events/s at long-poll consumers");
    polling = false;
    await Promise.all(loops);
    rows.unshift(webhook.row);
    rows.push({
      ...poll.row,
      ratios: webhook.rate ? { "global webhook": ratio(poll.rate, webhook.rate) ?? 0 } : {},
    });

    ctx.progress(`pull-streams: ${IDLE_CONNECTIONS} idle SSE connections`);
    await sleep(1_000);
    const before = rssBytes(bridge.pid);
    const idle = Array.from({ length: IDLE_CONNECTIONS }, () =>
      openSse(`${bridge.url}/v1/bots/bot0/events`, () => {}),
    );
    const deadline = Date.now() + 30_000;
    while ((await consumersOf(bridge.url, "bot0")) < IDLE_CONNECTIONS && Date.now() < deadline) {
      await sleep(100);
    }
    const open = await consumersOf(bridge.url, "bot0");
    await sleep(2_000);
    const after = rssBytes(bridge.pid);
    for (const stream of idle) stream.close();
    rows.push({
      scenario: "pull-streams",
      subject: "bridge: idle SSE connections",
      load: `${open} connections to one bot`,
      peakRssMb: mb(after),
      notes: `RSS ${mb(before)} MiB before, ${mb(after)} MiB with ${open} open: ${Math.round((after - before) / Math.max(1, open) / 1024)} KiB per connection`,
      details: { rssBefore: before, rssAfter: after, connections: open },
    });
    await bridge.stop();
    return rows;
  } finally {
    for (const user of users) await user.stop();
    await hook.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
