import { Pool } from "undici";
import { spawnComponent } from "../lib/baseline.js";
import { launchScenarioBridge, TOKEN } from "../lib/bridge.js";
import { now, sleep } from "../lib/clock.js";
import { type BenchContext, type Row, usageFields } from "../lib/context.js";
import { mb, rssBytes, sampleUsage } from "../lib/procs.js";
import { Samples } from "../lib/stats.js";

/** Requests started per wave; the next wave waits until the bridge holds this one. */
const WAVE = 250;

async function pendingCount(url: string): Promise<number> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
    const body = (await res.json()) as { pendingIq?: number };
    return body.pendingIq ?? 0;
  } catch {
    return -1;
  }
}

/**
 * 10,000 iqs wait at once on silent.localhost, which never answers: what each waiting iq
 * (with its open HTTP request) costs in RSS, and whether every one gets its 504 at the timeout.
 * Requests go out in waves as fast as the bridge takes them in: firing 10,000 connects at once
 * only measures the kernel's listen backlog and SYN retries.
 */
export async function pendingIq(ctx: BenchContext): Promise<Row[]> {
  const count = ctx.plan.pendingIqs;
  const timeoutS = ctx.plan.iqTimeoutS;
  const silent = await spawnComponent(
    {
      mode: "count",
      service: ctx.prosody.service,
      domain: "silent.localhost",
      secret: ctx.prosody.componentSecret,
      maxCount: 1,
    },
    // The silent peer is part of the environment, not the measured side.
    ctx.pinning.driver,
    ctx.cleanup,
  );
  const bridge = await launchScenarioBridge(
    ctx,
    "pending-iq",
    {
      XMPP_REST_IQ_TIMEOUT: String(timeoutS),
      XMPP_REST_MAX_PENDING_IQ: String(count),
    },
    false,
  );
  const timeoutMs = (timeoutS + 30) * 1000;
  const pool = new Pool(bridge.url, {
    connections: count,
    pipelining: 1,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connectTimeout: timeoutMs,
  });
  try {
    await sleep(1_000);
    const before = rssBytes(bridge.pid);
    const usage = sampleUsage(bridge.pid, ctx.prosody.pid);
    ctx.progress(`pending-iq: ${count} iqs to silent.localhost, ${timeoutS}s timeout`);
    const statuses: Record<string, number> = {};
    const lateness = new Samples();
    let got504 = 0;
    const started = now();
    const requests: Promise<void>[] = [];
    const fire = (seq: number) =>
      (async () => {
        const sentAt = now();
        try {
          const res = await pool.request({
            method: "POST",
            path: "/rest",
            headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/xmpp+xml" },
            body: `<iq type='get' to='silent.localhost' id='w${seq}'><ping xmlns='urn:xmpp:ping'/></iq>`,
          });
          await res.body.dump();
          statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
          if (res.statusCode === 504) {
            got504 += 1;
            lateness.add(now() - sentAt - timeoutS * 1000);
          }
        } catch (err) {
          const key = (err as { code?: string }).code ?? "error";
          statuses[key] = (statuses[key] ?? 0) + 1;
        }
      })();

    let peakPending = 0;
    for (let issued = 0; issued < count; ) {
      const wave = Math.min(WAVE, count - issued);
      for (let i = 0; i < wave; i++) requests.push(fire(issued + i));
      issued += wave;
      const waitUntil = Date.now() + 5_000;
      for (;;) {
        const pending = await pendingCount(bridge.url);
        peakPending = Math.max(peakPending, pending);
        if (pending >= issued - WAVE / 5 || Date.now() > waitUntil) break;
        await sleep(10);
      }
    }
    const rampMs = Math.round(now() - started);
    let rssAtPeak = rssBytes(bridge.pid);
    const settleUntil = Date.now() + 3_000;
    while (peakPending < count && Date.now() < settleUntil) {
      peakPending = Math.max(peakPending, await pendingCount(bridge.url));
      await sleep(50);
    }
    rssAtPeak = Math.max(rssAtPeak, rssBytes(bridge.pid));
    await Promise.all(requests);
    const bridgeUsage = usage.stop();
    const perIq = peakPending > 0 ? Math.round((rssAtPeak - before) / peakPending) : 0;
    const late = lateness.summary();
    return [
      {
        scenario: "pending-iq",
        subject: "bridge",
        load: `${count} iqs waiting`,
        latency: late,
        errors: count - got504,
        ...usageFields(bridgeUsage, count),
        notes: `${got504}/${count} got 504; ${peakPending} waiting at once after ${rampMs} ms of sending; ${(perIq / 1024).toFixed(1)} KiB RSS per waiting iq (${mb(before)} → ${mb(rssAtPeak)} MiB); p50/p99 = how late the 504 came after send + ${timeoutS}s`,
        details: {
          timeoutS,
          statuses,
          rampMs,
          rssBeforeMb: mb(before),
          rssAtPeakMb: mb(rssAtPeak),
          bytesPerPendingIq: perIq,
          peakPending,
        },
      },
    ];
  } finally {
    await pool.destroy();
    await bridge.stop();
    await silent.stop();
  }
}
