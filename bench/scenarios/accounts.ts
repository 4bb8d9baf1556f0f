import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import xml from "@xmpp/xml";
import { launchScenarioBridge, TOKEN } from "../lib/bridge.js";
import { now, sleep } from "../lib/clock.js";
import type { BenchContext, Row } from "../lib/context.js";
import { usageFields } from "../lib/context.js";
import { DeliveryTracker, messageBody, parseBody } from "../lib/delivery.js";
import { mb, rssBytes, sampleUsage } from "../lib/procs.js";
import { perSecond, Samples } from "../lib/stats.js";
import { connectUsers } from "../lib/xmpp-user.js";

const HOST = "accounts.localhost";
const PASSWORD = "bench-account-password";
/** PUTs in flight at once while the accounts log in. */
const LOGINS_IN_FLIGHT = 32;
/** Accounts with an SSE consumer, and the rate spread over them (the load). */
const STREAMED = 1_000;
const RATE_PER_S = 1_000;
const SENDERS = Array.from({ length: 16 }, (_, i) => `u${i + 1}`);

/**
 * Prosody keeps an account as a Lua file under its data directory, the host's dots encoded
 * (`accounts%2elocalhost/accounts/<user>.dat`): written here in bulk rather than one
 * prosodyctl process per account (internal_plain: the password itself).
 */
async function writeAccountFiles(dataDir: string, count: number): Promise<void> {
  const dir = join(dataDir, HOST.replaceAll(".", "%2e"), "accounts");
  await mkdir(dir, { recursive: true });
  const body = `return {\n\t["password"] = ${JSON.stringify(PASSWORD)};\n};\n`;
  for (let start = 0; start < count; start += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, count - start) }, (_, k) =>
        writeFile(join(dir, `a${start + k}.dat`), body),
      ),
    );
  }
}

/** One SSE consumer of an account (node:http: no EventSource in Node 20). */
function openSse(url: string, token: string, onBody: (body: string | undefined) => void) {
  let opened: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    opened = resolve;
  });
  const req = request(url, {
    headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" },
    agent: false,
  });
  req.on("response", (res) => {
    opened();
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
        if (!data || block.startsWith("event: close")) continue;
        const event = JSON.parse(data.slice(6)) as { stanza: { body?: string } };
        onBody(event.stanza.body);
      }
    });
    res.on("error", () => {});
  });
  req.on("error", () => opened());
  req.end();
  return { ready, close: () => req.destroy() };
}

/**
 * Accounts kept online in one process (issue 21): 10,000 in the full run (1,000 quick)
 * against the bench's Prosody, logged in through PUT /v1/accounts (no TLS: loopback, PLAIN);
 * RSS per online account, logins per second; then users send 1,000 messages/s spread over
 * 1,000 of the accounts, each with an SSE consumer: latency from the user's send to the
 * consumer.
 */
export async function accounts(ctx: BenchContext): Promise<Row[]> {
  const count = ctx.plan.quick ? 1_000 : 10_000;
  ctx.progress(`accounts: writing ${count} account files`);
  await writeAccountFiles(ctx.prosody.dataDir, count);
  const bridge = await launchScenarioBridge(ctx, "accounts", {
    XMPP_REST_SECRET_KEY: randomBytes(32).toString("hex"),
    XMPP_REST_STORE_RETENTION: "1h",
  });
  const rows: Row[] = [];
  const users = await connectUsers(SENDERS, { c2sPort: ctx.prosody.c2sPort, cleanup: ctx.cleanup });
  const streams: { close(): void }[] = [];
  try {
    await sleep(1_000);
    const idleRss = rssBytes(bridge.pid);
    const tokens: string[] = new Array(count);
    const loginLatency = new Samples();
    let failed = 0;
    let next = 0;
    const usage = sampleUsage(bridge.pid, ctx.prosody.pid);
    const started = now();
    ctx.progress(`accounts: ${count} logins, ${LOGINS_IN_FLIGHT} in flight`);
    await Promise.all(
      Array.from({ length: LOGINS_IN_FLIGHT }, async () => {
        for (let i = next++; i < count; i = next++) {
          const sent = now();
          const res = await fetch(`${bridge.url}/v1/accounts/a${i}@${HOST}`, {
            method: "PUT",
            headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
            body: JSON.stringify({
              password: PASSWORD,
              server: `127.0.0.1:${ctx.prosody.c2sPort}`,
              plaintext: true,
              resource: "bench",
            }),
          });
          const body = (await res.json()) as { token?: string };
          if (res.status !== 201 || !body.token) {
            failed += 1;
            continue;
          }
          loginLatency.add(now() - sent);
          tokens[i] = body.token;
        }
      }),
    );
    const elapsed = now() - started;
    const loginUsage = usage.stop();
    const online = count - failed;
    await sleep(2_000);
    const onlineRss = rssBytes(bridge.pid);
    const perAccountKiB = (onlineRss - idleRss) / Math.max(1, online) / 1024;
    rows.push({
      scenario: "accounts",
      subject: "bridge: logins",
      load: `${count} accounts, ${LOGINS_IN_FLIGHT} PUTs in flight`,
      throughput: perSecond(online, elapsed),
      unit: "logins/s",
      latency: loginLatency.summary(),
      errors: failed,
      ...usageFields(loginUsage, online),
      notes: `PUT → 201 online (STARTTLS off: loopback; PLAIN); RSS ${mb(idleRss)} MiB idle, ${mb(onlineRss)} MiB with ${online} online: ${perAccountKiB.toFixed(1)} KiB per account (target ≤ 64)`,
      details: { idleRss, onlineRss, online, perAccountKiB },
    });

    const streamed = Math.min(STREAMED, online);
    ctx.progress(`accounts: ${streamed} SSE consumers, ${RATE_PER_S} messages/s`);
    const total = Math.round((RATE_PER_S * ctx.plan.durationMs) / 1000);
    const tracker = new DeliveryTracker(total);
    for (let i = 0; i < streamed; i++) {
      const token = tokens[i];
      if (!token) continue;
      const stream = openSse(`${bridge.url}/v1/accounts/a${i}@${HOST}/events`, token, (body) => {
        const parsed = parseBody(body);
        if (parsed) tracker.arrive(parsed.seq, parsed.sentAt);
      });
      streams.push(stream);
      await stream.ready;
    }
    const flowUsage = sampleUsage(bridge.pid, ctx.prosody.pid);
    const flowStart = now();
    // Paced in 10 ms ticks: RATE_PER_S / 100 messages a tick, round-robin over the accounts
    // and the senders.
    const perTick = RATE_PER_S / 100;
    for (let seq = 0; seq < total; ) {
      const due = flowStart + (seq / RATE_PER_S) * 1000;
      const wait = due - now();
      if (wait > 1) await sleep(wait);
      for (let k = 0; k < perTick && seq < total; k++, seq++) {
        const user = users[seq % users.length];
        const to = `a${seq % streamed}@${HOST}`;
        void user?.send(
          xml(
            "message",
            { to, type: "chat", id: `b${seq}` },
            xml("body", {}, messageBody(seq, now())),
          ),
        );
      }
    }
    await tracker.settle(total, 3_000, 20_000);
    const flow = flowUsage.stop();
    const report = tracker.report();
    rows.push({
      scenario: "accounts",
      subject: "bridge: account events",
      load: `${RATE_PER_S} msg/s over ${streamed} accounts, ${streamed} SSE consumers, ${online} online`,
      throughput: perSecond(report.unique, report.lastAt - flowStart),
      unit: "events/s at SSE consumers",
      latency: report.latency,
      lost: total - report.unique,
      duplicates: report.duplicates,
      ...usageFields(flow, report.unique),
      notes: `latency: user's send → the account's SSE consumer got it (target p99 < 100 ms); ${total} sent`,
    });
    return rows;
  } finally {
    for (const stream of streams) stream.close();
    for (const user of users) await user.stop();
    await bridge.stop();
  }
}
