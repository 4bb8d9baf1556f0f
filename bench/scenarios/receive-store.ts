import { statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import xml from "@xmpp/xml";
import { launchScenarioBridge } from "../lib/bridge.js";
import { now, sleep } from "../lib/clock.js";
import type { BenchContext, Row } from "../lib/context.js";
import { ratio, usageFields } from "../lib/context.js";
import { DeliveryTracker, messageBody, parseBody } from "../lib/delivery.js";
import { mb, rssBytes, sampleUsage } from "../lib/procs.js";
import { perSecond } from "../lib/stats.js";
import { bodyText, startWebhook, Window } from "../lib/webhook-server.js";
import type { BenchUser } from "../lib/xmpp-user.js";
import { CLIENTS, connectSenders, flood, WINDOW } from "./receive-webhook.js";

/** The backlog: messages queued while the webhook is down, then drained. */
const BACKLOG = 100_000;
const ADDRESSES = 16;

async function backlogOf(url: string): Promise<number> {
  const res = await fetch(`${url}/health`);
  const health = (await res.json()) as { deliveries?: { pending: number } };
  return health.deliveries?.pending ?? 0;
}

function fileBytes(path: string): number {
  let total = 0;
  for (const suffix of ["", "-wal", "-shm"]) {
    try {
      total += statSync(path + suffix).size;
    } catch {}
  }
  return total;
}

/**
 * The durable store's cost and its backlog. (1) receive-webhook's flood against a bridge
 * whose store is a file (WAL, synchronous=FULL) and, in the same run, one with
 * XMPP_REST_STORE=:memory:. (2) 100,000 messages sent while the webhook is unreachable
 * (RSS with that backlog, store bytes per message), then a restart with the webhook up:
 * how fast the backlog drains.
 */
export async function receiveStore(ctx: BenchContext): Promise<Row[]> {
  const rows: Row[] = [];
  const domain = ctx.prosody.componentDomain;
  let tracker = new DeliveryTracker(2_000_000);
  let window = new Window(WINDOW);
  const hook = await startWebhook((payload) => {
    const parsed = parseBody(bodyText(payload));
    if (parsed && tracker.arrive(parsed.seq, parsed.sentAt)) window.release();
    return { status: 204 };
  }, ctx.cleanup);
  let errors = 0;
  const users = await connectSenders(ctx, () => {
    errors += 1;
    window.release();
  });
  const settleMs = ctx.plan.quick ? 5_000 : 15_000;
  try {
    // Alternated twice (file, memory, file, memory) so a change in the machine's load
    // during the run falls on both; the ratio compares the sums.
    const rates: Record<string, number> = {};
    for (const [name, store] of [
      ["file store", undefined],
      [":memory: store", ":memory:"],
      ["file store", undefined],
      [":memory: store", ":memory:"],
    ] as const) {
      tracker = new DeliveryTracker(2_000_000);
      window = new Window(WINDOW);
      errors = 0;
      const bridge = await launchScenarioBridge(ctx, "receive-store", {
        XMPP_REST_CALLBACK_URL: hook.url,
        ...(store ? { XMPP_REST_STORE: store } : {}),
      });
      ctx.progress(`receive-store: flood, ${name}`);
      const usage = sampleUsage(bridge.pid, ctx.prosody.pid);
      const sent = await flood(users, domain, window, ctx.plan.durationMs);
      await tracker.settle(sent.sent, 2_000, settleMs);
      const got = tracker.report();
      const used = usage.stop();
      await bridge.stop();
      const rate = perSecond(got.unique, got.lastAt - sent.startedAt);
      rates[name] = (rates[name] ?? 0) + (rate ?? 0);
      rows.push({
        scenario: "receive-store",
        subject: `bridge, ${name}`,
        load: `${CLIENTS} clients, ${WINDOW} in flight`,
        throughput: rate,
        unit: "stanza/s at webhook",
        latency: got.latency,
        errors,
        lost: sent.sent - got.unique,
        duplicates: got.duplicates,
        ...usageFields(used, got.unique),
        notes: `${sent.sent} sent`,
      });
    }
    const fileRow = rows[2] as Row;
    rows[2] = {
      ...fileRow,
      ratios: { ":memory: store": ratio(rates["file store"], rates[":memory: store"]) ?? 0 },
    };

    rows.push(...(await drain(ctx, users)));
    return rows;
  } finally {
    for (const user of users) await user.stop();
    await hook.stop();
  }
}

async function drain(ctx: BenchContext, users: BenchUser[]): Promise<Row[]> {
  const dir = await mkdtemp(join(tmpdir(), "xmpp-rest-bench-backlog-"));
  const storePath = join(dir, "store.db");
  const domain = ctx.prosody.componentDomain;
  try {
    // Phase 1: the webhook accepts connections and never answers (a hung deploy): each
    // conversation's head is in flight, everything else waits in the store. The bridge is
    // then killed (-9), so no attempt is recorded and the restart delivers at once.
    const hung = createServer(() => {});
    await new Promise<void>((resolve) => hung.listen(0, "127.0.0.1", () => resolve()));
    const stopHung = ctx.cleanup.add("hung webhook", async () => {
      hung.closeAllConnections();
      await new Promise<void>((resolve) => hung.close(() => resolve()));
    });
    const deadHook = `http://127.0.0.1:${(hung.address() as AddressInfo).port}/hook`;
    const env = {
      XMPP_REST_STORE: storePath,
      XMPP_REST_CALLBACK_QUEUE: String(BACKLOG * 2),
      XMPP_REST_CALLBACK_TIMEOUT: "3600",
    };
    const first = await launchScenarioBridge(ctx, "receive-store", {
      ...env,
      XMPP_REST_CALLBACK_URL: deadHook,
    });
    const idleRss = rssBytes(first.pid);
    const rssByBacklog: [number, number][] = [];
    ctx.progress(`receive-store: ${BACKLOG} messages while the webhook is down`);
    const usage = sampleUsage(first.pid, ctx.prosody.pid);
    const fillStarted = now();
    let next = 0;
    await Promise.all(
      users.map(async (user) => {
        while (next < BACKLOG) {
          const seq = next++;
          await user.send(
            xml(
              "message",
              { to: `bot${seq % ADDRESSES}@${domain}`, type: "chat", id: `b${seq}` },
              xml("body", {}, messageBody(seq, now())),
            ),
          );
          // Keep Prosody's queues short: wait for the bridge now and then.
          if (seq % 5_000 === 4_999) {
            let stored = await backlogOf(first.url);
            while (stored < seq - 20_000) {
              await sleep(50);
              stored = await backlogOf(first.url);
            }
            if (seq % 25_000 === 24_999) rssByBacklog.push([stored, rssBytes(first.pid)]);
          }
        }
      }),
    );
    const deadline = Date.now() + 180_000;
    let stored = await backlogOf(first.url);
    while (stored < BACKLOG && Date.now() < deadline) {
      await sleep(100);
      stored = await backlogOf(first.url);
    }
    const fillMs = now() - fillStarted;
    const filled = usage.stop();
    const backlogRss = rssBytes(first.pid);
    const bytes = fileBytes(storePath);
    process.kill(first.pid, "SIGKILL");
    await first.stop();
    await stopHung();
    const storedBytes = fileBytes(storePath);

    // Phase 2: a new bridge on the same store, the webhook up: the backlog drains.
    const tracker = new DeliveryTracker(BACKLOG);
    const hook = await startWebhook((payload) => {
      const parsed = parseBody(bodyText(payload));
      if (parsed) tracker.arrive(parsed.seq, parsed.sentAt);
      return { status: 204 };
    }, ctx.cleanup);
    ctx.progress("receive-store: draining after a restart with the webhook up");
    const started = now();
    const second = await launchScenarioBridge(ctx, "receive-store", {
      ...env,
      XMPP_REST_CALLBACK_URL: hook.url,
    });
    const drainUsage = sampleUsage(second.pid, ctx.prosody.pid);
    await tracker.settle(stored, 15_000, 240_000);
    const drained = tracker.report();
    const drainUsed = drainUsage.stop();
    await second.stop();
    await hook.stop();
    const drainRate = perSecond(drained.unique, drained.lastAt - drained.firstAt);

    return [
      {
        scenario: "receive-store",
        subject: "backlog: fill while the webhook is down",
        load: `${BACKLOG} messages, ${CLIENTS} clients, ${CLIENTS * ADDRESSES} conversations`,
        throughput: perSecond(stored, fillMs),
        unit: "stanza/s stored",
        errors: 0,
        lost: BACKLOG - stored,
        ...usageFields(filled, stored),
        notes:
          `store ${Math.round(bytes / stored)} B/message (${mb(bytes)} MiB incl. WAL, ` +
          `${mb(storedBytes)} MiB after kill -9); RSS idle ${mb(idleRss)} MiB, ` +
          `with the backlog ${mb(backlogRss)} MiB; by backlog: ` +
          rssByBacklog.map(([n, rss]) => `${n}: ${mb(rss)} MiB`).join(", "),
        details: { stored, bytes, storedBytes, idleRss, backlogRss, rssByBacklog },
      },
      {
        scenario: "receive-store",
        subject: "backlog: drain after restart",
        load: `${stored} stored messages`,
        throughput: drainRate,
        unit: "stanza/s at webhook",
        errors: 0,
        lost: stored - drained.unique,
        duplicates: drained.duplicates,
        ...usageFields(drainUsed, drained.unique),
        notes: `first delivery ${Math.round(drained.firstAt - started)} ms after launch; all in ${Math.round(drained.lastAt - started)} ms`,
      },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
