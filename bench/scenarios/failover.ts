import xml from "@xmpp/xml";
import { type BridgeProcess, launchScenarioBridge, TOKEN } from "../lib/bridge.js";
import { now, sleep } from "../lib/clock.js";
import type { BenchContext, Row } from "../lib/context.js";
import { DeliveryTracker, messageBody, parseBody } from "../lib/delivery.js";
import { healthOf, holdsLink, startBenchPostgres } from "../lib/postgres.js";
import { summarize } from "../lib/stats.js";
import { bodyText, startWebhook } from "../lib/webhook-server.js";
import { connectBenchUser } from "../lib/xmpp-user.js";

const RECEIVER = "recv@localhost";
/** Messages each way per second while a failover runs (a steady load, not a flood). */
const RATE = 100;
const CAPACITY = 1_000_000;

/** Nearest-rank percentile (ms) of unsorted values. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[index] ?? 0);
}

interface Way {
  /** Accepted (202) POSTs, by sequence number. */
  accepted: Set<number>;
  sent: number;
}

/**
 * Several processes on one PostgreSQL (README, "High availability"): two bridge processes,
 * one holding the link. Each repetition runs a steady load both ways (HTTP posts through the
 * standby to a user; a user's messages to the component's domain, to the webhook), then kills
 * the holder (SIGKILL; later SIGTERM) and measures until the other process holds the link and
 * has it online (its /health, polled every 10 ms). The load goes on for a second after, then
 * what was accepted (202) and not delivered, and what a user sent without a bounce and the
 * webhook never got, are counted as lost; repeats as duplicates. The killed process comes back
 * as the standby for the next round.
 */
export async function failover(ctx: BenchContext): Promise<Row[]> {
  const postgres = await startBenchPostgres(ctx.cleanup);
  const store = await postgres.createDatabase();
  const outbound = new DeliveryTracker(CAPACITY);
  const inbound = new DeliveryTracker(CAPACITY);
  let bounced = 0;
  const hook = await startWebhook((payload) => {
    const parsed = parseBody(bodyText(payload));
    if (parsed) inbound.arrive(parsed.seq, parsed.sentAt);
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
  const sender = await connectBenchUser({
    c2sPort: ctx.prosody.c2sPort,
    username: "u1",
    cleanup: ctx.cleanup,
    onStanza: (stanza) => {
      if (stanza.attrs.type === "error") bounced += 1;
    },
  });
  const env = { XMPP_REST_STORE: store, XMPP_REST_CALLBACK_URL: hook.url };
  const launch = () => launchScenarioBridge(ctx, "failover", env, false);
  const waitFor = async (
    url: string,
    check: (h: Awaited<ReturnType<typeof healthOf>>) => boolean,
  ) => {
    const deadline = now() + 30_000;
    while (!check(await healthOf(url))) {
      if (now() > deadline) throw new Error(`${url}: not as expected after 30 s`);
      await sleep(10);
    }
  };

  let holder: BridgeProcess = await launch();
  await waitFor(holder.url, holdsLink);
  let standby: BridgeProcess = await launch();
  await waitFor(standby.url, (h) => h?.role === "standby");

  const way: Way = { accepted: new Set(), sent: 0 };
  let inboundSent = 0;
  const rows: Row[] = [];
  for (const [signal, reps] of [
    ["SIGKILL", ctx.plan.quick ? 5 : 20],
    ["SIGTERM", ctx.plan.quick ? 3 : 10],
  ] as const) {
    const times: number[] = [];
    const lostBefore = { out: 0, in: 0 };
    const startSeqs = { out: way.sent, in: inboundSent };
    const dupBefore = { out: outbound.duplicates, in: inbound.duplicates };
    const bouncedBefore = bounced;
    for (let rep = 0; rep < reps; rep++) {
      ctx.progress(`failover: ${signal} ${rep + 1}/${reps}`);
      let running = true;
      const posting = (async () => {
        // Through the process that will take over: it stores what it accepts meanwhile.
        const target = standby.url;
        while (running) {
          const seq = way.sent++;
          const body = `<message to='${RECEIVER}' type='chat'><body>${messageBody(seq, now())}</body></message>`;
          try {
            const res = await fetch(`${target}/rest`, {
              method: "POST",
              headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/xmpp+xml" },
              body,
            });
            await res.arrayBuffer();
            if (res.status === 202) way.accepted.add(seq);
          } catch {}
          await sleep(1_000 / RATE);
        }
      })();
      const receiving = (async () => {
        while (running) {
          const seq = inboundSent++;
          await sender
            .send(
              xml(
                "message",
                { to: `bot0@${ctx.prosody.componentDomain}`, type: "chat", id: `i${seq}` },
                xml("body", {}, messageBody(seq, now())),
              ),
            )
            .catch(() => {});
          await sleep(1_000 / RATE);
        }
      })();
      await sleep(500);
      const killedAt = now();
      const old = holder;
      if (signal === "SIGKILL") process.kill(old.pid, "SIGKILL");
      const stopping = signal === "SIGTERM" ? old.stop() : Promise.resolve();
      await waitFor(standby.url, holdsLink);
      times.push(now() - killedAt);
      await sleep(1_000);
      running = false;
      await Promise.all([posting, receiving, stopping]);
      await old.stop();
      holder = standby;
      standby = await launch();
      await waitFor(standby.url, (h) => h?.role === "standby");
    }
    // Everything accepted in this round, and every inbound message not bounced, should arrive.
    await outbound.settle(way.accepted.size, 3_000, 20_000);
    await inbound.settle(inboundSent - bounced, 3_000, 20_000);
    for (let seq = startSeqs.out; seq < way.sent; seq++) {
      if (way.accepted.has(seq) && !outbound.has(seq)) lostBefore.out += 1;
    }
    const inboundMissing = [];
    for (let seq = startSeqs.in; seq < inboundSent; seq++) {
      if (!inbound.has(seq)) inboundMissing.push(seq);
    }
    const roundBounced = bounced - bouncedBefore;
    const summary = summarize(times);
    rows.push({
      scenario: "failover",
      subject: `bridge, ${signal} of the holder`,
      load: `${RATE}/s each way`,
      latency: summary,
      lost: lostBefore.out + Math.max(0, inboundMissing.length - roundBounced),
      duplicates: outbound.duplicates - dupBefore.out + (inbound.duplicates - dupBefore.in),
      notes:
        `${reps} times: until the other process holds the link online, p50 ${percentile(times, 50)} ms, ` +
        `p95 ${percentile(times, 95)} ms, max ${Math.round(summary.max)} ms; ` +
        `posted through the standby ${way.sent - startSeqs.out} (lost ${lostBefore.out}, ` +
        `repeated ${outbound.duplicates - dupBefore.out}); users sent ${inboundSent - startSeqs.in} ` +
        `(bounced while no process held the link ${roundBounced}, not at the webhook ` +
        `${inboundMissing.length}, repeated ${inbound.duplicates - dupBefore.in})`,
      details: { timesMs: times.map(Math.round) },
    });
  }
  await standby.stop();
  await holder.stop();
  return rows;
}
