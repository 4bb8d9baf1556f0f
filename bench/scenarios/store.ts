import { type BridgeProcess, launchScenarioBridge, TOKEN } from "../lib/bridge.js";
import { sleep } from "../lib/clock.js";
import type { BenchContext, Row } from "../lib/context.js";
import { ratio } from "../lib/context.js";
import { DeliveryTracker, messageBody, parseBody } from "../lib/delivery.js";
import { runLoad } from "../lib/load.js";
import { healthOf, holdsLink, startBenchPostgres } from "../lib/postgres.js";
import { perSecond } from "../lib/stats.js";
import { bodyText, startWebhook, Window } from "../lib/webhook-server.js";
import { connectBenchUser } from "../lib/xmpp-user.js";
import { CLIENTS, connectSenders, flood, WINDOW } from "./receive-webhook.js";

const RECEIVER = "recv@localhost";
const CAPACITY = 2_000_000;
const CONNECTIONS = 16;

type Setup = "SQLite" | "PostgreSQL" | "PostgreSQL, 2 processes";

/**
 * The store's engines side by side in one run: the receive path (receive-webhook's flood to
 * the webhook) and the send path (POST /rest, 16 connections, delivered to a user) on a SQLite
 * file and on PostgreSQL (fsync on both), alternated twice so a change of the machine's load
 * falls on both; then two processes on one PostgreSQL (the send load split over both, the
 * receive path through the holder with webhook deliveries claimed by both). The ratios compare
 * the sums.
 */
export async function storeEngines(ctx: BenchContext): Promise<Row[]> {
  const postgres = await startBenchPostgres(ctx.cleanup);
  let outbound = new DeliveryTracker(CAPACITY);
  let inbound = new DeliveryTracker(CAPACITY);
  let window = new Window(WINDOW);
  const hook = await startWebhook((payload) => {
    const parsed = parseBody(bodyText(payload));
    if (parsed && inbound.arrive(parsed.seq, parsed.sentAt)) window.release();
    return { status: 204 };
  }, ctx.cleanup);
  await connectBenchUser({
    c2sPort: ctx.prosody.c2sPort,
    username: "recv",
    cleanup: ctx.cleanup,
    onStanza: (stanza) => {
      if (stanza.name !== "message") return;
      const parsed = parseBody(stanza.getChildText("body") ?? undefined);
      if (parsed) outbound.arrive(parsed.seq, parsed.sentAt);
    },
  });
  let errors = 0;
  const users = await connectSenders(ctx, () => {
    errors += 1;
    window.release();
  });
  const settleMs = ctx.plan.quick ? 5_000 : 15_000;
  const rows: Row[] = [];
  const sums: Record<string, number> = {};
  const add = (key: string, value: number) => {
    sums[key] = (sums[key] ?? 0) + value;
  };

  const start = async (setup: Setup): Promise<BridgeProcess[]> => {
    const env: Record<string, string> = { XMPP_REST_CALLBACK_URL: hook.url };
    // SQLite: a fresh file in a temp dir (launchBridge's default).
    if (setup !== "SQLite") env.XMPP_REST_STORE = await postgres.createDatabase();
    const first = await launchScenarioBridge(ctx, "store", env, false);
    if (setup === "SQLite") return [first];
    while (!holdsLink(await healthOf(first.url))) await sleep(20);
    if (setup === "PostgreSQL") return [first];
    return [first, await launchScenarioBridge(ctx, "store", env, false)];
  };

  const measure = async (setup: Setup) => {
    const bridges = await start(setup);
    try {
      ctx.progress(`store: receive, ${setup}`);
      inbound = new DeliveryTracker(CAPACITY);
      window = new Window(WINDOW);
      errors = 0;
      const sent = await flood(users, ctx.prosody.componentDomain, window, ctx.plan.durationMs);
      await inbound.settle(sent.sent, 2_000, settleMs);
      const got = inbound.report();
      const receiveRate = perSecond(got.unique, got.lastAt - sent.startedAt);
      add(`receive ${setup}`, receiveRate);
      rows.push({
        scenario: "store",
        subject: `bridge, ${setup}`,
        load: `receive: ${CLIENTS} clients, ${WINDOW} in flight`,
        throughput: receiveRate,
        unit: "stanza/s at webhook",
        latency: got.latency,
        errors,
        lost: sent.sent - got.unique - errors,
        duplicates: got.duplicates,
      });

      ctx.progress(`store: send, ${setup}`);
      outbound = new DeliveryTracker(CAPACITY);
      const share = Math.max(1, Math.floor(CONNECTIONS / bridges.length));
      const loads = await Promise.all(
        bridges.map((bridge, i) => {
          // Each process's sequence numbers in its own range.
          const base = i * Math.floor(CAPACITY / bridges.length);
          return runLoad(
            {
              url: bridge.url,
              connections: share,
              durationMs: ctx.plan.durationMs,
              maxRequests: Math.floor(CAPACITY / bridges.length),
              build: (seq, sentAt) => ({
                path: "/rest",
                headers: {
                  authorization: `Bearer ${TOKEN}`,
                  "content-type": "application/xmpp+xml",
                },
                body: `<message to='${RECEIVER}' type='chat'><body>${messageBody(base + seq, sentAt)}</body></message>`,
              }),
            },
            202,
          );
        }),
      );
      const accepted = loads.reduce((n, l) => n + l.ok, 0);
      await outbound.settle(accepted, 2_000, settleMs);
      const delivered = outbound.report();
      const startedAt = Math.min(...loads.map((l) => l.startedAt));
      const sendRate = perSecond(delivered.unique, delivered.lastAt - startedAt);
      add(`send ${setup}`, sendRate);
      rows.push({
        scenario: "store",
        subject: `bridge, ${setup}`,
        load: `send: ${CONNECTIONS} conn`,
        throughput: sendRate,
        unit: "msg/s delivered",
        latency: delivered.latency,
        errors: loads.reduce((n, l) => n + l.errors, 0),
        lost: accepted - delivered.unique,
        duplicates: delivered.duplicates,
      });
    } finally {
      for (const bridge of bridges.reverse()) await bridge.stop();
    }
  };

  try {
    for (const setup of ["SQLite", "PostgreSQL", "SQLite", "PostgreSQL"] as const) {
      await measure(setup);
    }
    await measure("PostgreSQL, 2 processes");
  } finally {
    for (const user of users) await user.stop();
  }
  const ratios = (path: "receive" | "send") => ({
    "PostgreSQL ÷ SQLite": ratio(sums[`${path} PostgreSQL`], sums[`${path} SQLite`]) ?? 0,
    // One run with two processes against the mean of the two with one.
    "2 processes ÷ 1":
      ratio(sums[`${path} PostgreSQL, 2 processes`], (sums[`${path} PostgreSQL`] ?? 0) / 2) ?? 0,
  });
  rows.push(
    { scenario: "store", subject: "ratios", load: "receive", ratios: ratios("receive") },
    { scenario: "store", subject: "ratios", load: "send", ratios: ratios("send") },
  );
  return rows;
}
