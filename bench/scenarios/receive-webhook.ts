import xml from "@xmpp/xml";
import { spawnComponent } from "../lib/baseline.js";
import { launchScenarioBridge } from "../lib/bridge.js";
import { now } from "../lib/clock.js";
import type { BenchContext, Row } from "../lib/context.js";
import { ratio, usageFields } from "../lib/context.js";
import { type DeliveryReport, DeliveryTracker, messageBody, parseBody } from "../lib/delivery.js";
import { sampleUsage } from "../lib/procs.js";
import { perSecond } from "../lib/stats.js";
import { bodyText, startWebhook, Window } from "../lib/webhook-server.js";
import { type BenchUser, connectUsers } from "../lib/xmpp-user.js";

const MAX_MESSAGES = 2_000_000;
export const CLIENTS = 4;
/** Addresses at the component each client writes to: 4 x 16 = 64 conversations in parallel. */
const ADDRESSES = 16;
/** Messages in flight across all clients (sent, not yet seen by the webhook / counter). */
export const WINDOW = 128;

export interface FloodResult {
  readonly sent: number;
  readonly startedAt: number;
  readonly stalls: number;
}

/** Every client sends chat messages to bot0..bot15@domain while the window has room. */
export async function flood(
  users: readonly BenchUser[],
  domain: string,
  window: Window,
  durationMs: number,
): Promise<FloodResult> {
  let next = 0;
  let stalls = 0;
  const startedAt = now();
  const deadline = startedAt + durationMs;
  await Promise.all(
    users.map(async (user) => {
      while (next < MAX_MESSAGES && now() < deadline) {
        if (!(await window.acquire(2_000))) stalls += 1;
        const seq = next++;
        await user.send(
          xml(
            "message",
            { to: `bot${seq % ADDRESSES}@${domain}`, type: "chat", id: `f${seq}` },
            xml("body", {}, messageBody(seq, now())),
          ),
        );
      }
    }),
  );
  return { sent: next, startedAt, stalls };
}

/**
 * Users flood chat messages to the component's domain; the webhook answers 204. Counts stanzas
 * reaching the webhook and their end-to-end latency. Baseline: a bare component counting the
 * same stanzas.
 */
/**
 * The CLIENTS users that send the flood. An error reply to one of their stanzas means the
 * stanza will never reach the webhook, so `onErrorReply` frees its window slot and counts it.
 */
export function connectSenders(ctx: BenchContext, onErrorReply: () => void): Promise<BenchUser[]> {
  return connectUsers(
    Array.from({ length: CLIENTS }, (_, i) => `u${i + 1}`),
    {
      c2sPort: ctx.prosody.c2sPort,
      cleanup: ctx.cleanup,
      onStanza: (stanza) => {
        if (stanza.attrs.type === "error") onErrorReply();
      },
    },
  );
}

export async function receiveWebhook(ctx: BenchContext): Promise<Row[]> {
  const window = new Window(WINDOW);
  let tracker = new DeliveryTracker(MAX_MESSAGES);
  let errorReplies = 0;
  const hook = await startWebhook((payload) => {
    const parsed = parseBody(bodyText(payload));
    if (parsed && tracker.arrive(parsed.seq, parsed.sentAt)) window.release();
    return { status: 204 };
  }, ctx.cleanup);
  const users = await connectSenders(ctx, () => {
    errorReplies += 1;
    window.release();
  });
  const bridge = await launchScenarioBridge(ctx, "receive-webhook", {
    XMPP_REST_CALLBACK_URL: hook.url,
  });
  const settleMs = ctx.plan.quick ? 5_000 : 15_000;
  try {
    ctx.progress(`receive-webhook: bridge, ${CLIENTS} clients, window ${WINDOW}`);
    const usage = sampleUsage(bridge.pid, ctx.prosody.pid);
    const sent = await flood(users, ctx.prosody.componentDomain, window, ctx.plan.durationMs);
    await tracker.settle(sent.sent, 2_000, settleMs);
    const bridgeUsage = usage.stop();
    const got: DeliveryReport = tracker.report();
    const bridgeErrors = errorReplies;
    const bridgeRate = perSecond(got.unique, got.lastAt - sent.startedAt);
    await bridge.stop();

    ctx.progress("receive-webhook: bare component counting");
    tracker = new DeliveryTracker(MAX_MESSAGES);
    errorReplies = 0;
    const baseWindow = new Window(WINDOW);
    const counter = await spawnComponent(
      {
        mode: "count",
        service: ctx.prosody.service,
        domain: "base.localhost",
        secret: ctx.prosody.componentSecret,
        maxCount: MAX_MESSAGES,
      },
      ctx.pinning.measured,
      ctx.cleanup,
    );
    let counted = 0;
    counter.onProgress((received) => {
      baseWindow.release(received - counted);
      counted = received;
    });
    const counterUsage = sampleUsage(counter.pid, ctx.prosody.pid);
    const baseSent = await flood(users, "base.localhost", baseWindow, ctx.plan.durationMs);
    const settleUntil = Date.now() + settleMs;
    while (counted < baseSent.sent && Date.now() < settleUntil) {
      const before = counted;
      await new Promise((r) => setTimeout(r, 500));
      if (counted === before) break;
    }
    counter.command("stop");
    const base = await counter.done<DeliveryReport>(10_000);
    const baseUsage = counterUsage.stop();
    await counter.stop();
    const baseRate = perSecond(base.unique, base.lastAt - baseSent.startedAt);

    return [
      {
        scenario: "receive-webhook",
        subject: "bridge",
        load: `${CLIENTS} clients, ${WINDOW} in flight`,
        throughput: bridgeRate,
        unit: "stanza/s at webhook",
        latency: got.latency,
        errors: bridgeErrors,
        lost: sent.sent - got.unique,
        duplicates: got.duplicates,
        ...usageFields(bridgeUsage, got.unique),
        ratios: baseRate ? { "bare component": ratio(bridgeRate, baseRate) ?? 0 } : {},
        notes: `latency: client send → webhook request; ${sent.sent} sent, ${sent.stalls} window stalls`,
        details: { sent: sent.sent, delivered: got },
      },
      {
        scenario: "receive-webhook",
        subject: "baseline: bare component counting",
        load: `${CLIENTS} clients, ${WINDOW} in flight`,
        throughput: baseRate,
        unit: "stanza/s counted",
        latency: base.latency,
        errors: errorReplies,
        lost: baseSent.sent - base.unique,
        duplicates: base.duplicates,
        ...usageFields(baseUsage, base.unique),
        details: { sent: baseSent.sent, delivered: base },
      },
    ];
  } finally {
    await bridge.stop();
    for (const user of users) await user.stop();
    await hook.stop();
  }
}
