import xml, { type Element } from "@xmpp/xml";
import { spawnComponent } from "../lib/baseline.js";
import { launchScenarioBridge } from "../lib/bridge.js";
import { now } from "../lib/clock.js";
import type { BenchContext, Row } from "../lib/context.js";
import { ratio, usageFields } from "../lib/context.js";
import { messageBody, parseBody } from "../lib/delivery.js";
import { sampleUsage } from "../lib/procs.js";
import { perSecond, Samples, type Summary } from "../lib/stats.js";
import { bodyText, startWebhook } from "../lib/webhook-server.js";
import { type BenchUser, connectUsers } from "../lib/xmpp-user.js";

const MAX_ROUNDS = 2_000_000;
const REPLY_TIMEOUT_MS = 5_000;

interface Rounds {
  readonly ok: number;
  readonly timeouts: number;
  readonly errors: number;
  readonly latency: Summary;
  readonly rate: number;
}

/** Each user in a loop: send a message to `to`, wait for the reply carrying the same body. */
async function roundTrips(
  users: readonly BenchUser[],
  replies: Map<number, (stanza: Element) => void>,
  to: string,
  durationMs: number,
): Promise<Rounds> {
  const latency = new Samples();
  let next = 0;
  let timeouts = 0;
  let errors = 0;
  const startedAt = now();
  const deadline = startedAt + durationMs;
  await Promise.all(
    users.map(async (user) => {
      while (next < MAX_ROUNDS && now() < deadline) {
        const seq = next++;
        const sentAt = now();
        const reply = new Promise<Element | undefined>((resolve) => {
          const timer = setTimeout(() => resolve(undefined), REPLY_TIMEOUT_MS);
          replies.set(seq, (stanza) => {
            clearTimeout(timer);
            resolve(stanza);
          });
        });
        await user.send(
          xml(
            "message",
            { to, type: "chat", id: `e${seq}` },
            xml("body", {}, messageBody(seq, sentAt)),
          ),
        );
        const stanza = await reply;
        replies.delete(seq);
        if (!stanza) timeouts += 1;
        else if (stanza.attrs.type === "error") errors += 1;
        else latency.add(now() - sentAt);
      }
    }),
  );
  return {
    ok: latency.count,
    timeouts,
    errors,
    latency: latency.summary(),
    rate: perSecond(latency.count, now() - startedAt),
  };
}

/**
 * A user sends a message, the webhook answers with a text/plain body, the bridge sends it back
 * as the reply. Baseline: a bare component echoing the message itself.
 */
export async function echoRoundtrip(ctx: BenchContext): Promise<Row[]> {
  const largest = Math.min(16, Math.max(...ctx.plan.connections));
  const levels = [...new Set([1, largest])];
  const replies = new Map<number, (stanza: Element) => void>();
  const hook = await startWebhook(
    (payload) => ({ status: 200, contentType: "text/plain", body: bodyText(payload) ?? "" }),
    ctx.cleanup,
  );
  const users = await connectUsers(
    Array.from({ length: largest }, (_, i) => `u${i + 1}`),
    {
      c2sPort: ctx.prosody.c2sPort,
      cleanup: ctx.cleanup,
      onStanza: (stanza) => {
        if (stanza.name !== "message") return;
        const parsed = parseBody(stanza.getChildText("body") ?? undefined);
        // Error replies echo the original body (RFC 6120 §8.3.1 allows it) or carry none.
        const seq = parsed?.seq ?? Number(/^e(\d+)$/.exec(stanza.attrs.id ?? "")?.[1]);
        replies.get(seq)?.(stanza);
      },
    },
  );
  const bridge = await launchScenarioBridge(ctx, "echo-roundtrip", {
    XMPP_REST_CALLBACK_URL: hook.url,
  });
  const echo = await spawnComponent(
    {
      mode: "echo",
      service: ctx.prosody.service,
      domain: "base.localhost",
      secret: ctx.prosody.componentSecret,
    },
    ctx.pinning.measured,
    ctx.cleanup,
  );
  const rows: Row[] = [];
  try {
    for (const count of levels) {
      const active = users.slice(0, count);
      ctx.progress(`echo-roundtrip: bridge, ${count} users`);
      const usage = sampleUsage(bridge.pid, ctx.prosody.pid);
      const viaBridge = await roundTrips(
        active,
        replies,
        `echo@${ctx.prosody.componentDomain}`,
        ctx.plan.durationMs,
      );
      const bridgeUsage = usage.stop();

      ctx.progress(`echo-roundtrip: bare component, ${count} users`);
      const echoUsage = sampleUsage(echo.pid, ctx.prosody.pid);
      const viaComponent = await roundTrips(
        active,
        replies,
        "echo@base.localhost",
        ctx.plan.durationMs,
      );
      const baseUsage = echoUsage.stop();
      const base = ratio(viaBridge.rate, viaComponent.rate);
      rows.push(
        {
          scenario: "echo-roundtrip",
          subject: "bridge + webhook",
          load: `${count} users`,
          throughput: viaBridge.rate,
          unit: "round trips/s",
          latency: viaBridge.latency,
          errors: viaBridge.errors,
          lost: viaBridge.timeouts,
          ...usageFields(bridgeUsage, viaBridge.ok),
          ratios: base === undefined ? {} : { "bare component": base },
        },
        {
          scenario: "echo-roundtrip",
          subject: "baseline: bare component echoing",
          load: `${count} users`,
          throughput: viaComponent.rate,
          unit: "round trips/s",
          latency: viaComponent.latency,
          errors: viaComponent.errors,
          lost: viaComponent.timeouts,
          ...usageFields(baseUsage, viaComponent.ok),
        },
      );
    }
  } finally {
    echo.command("stop");
    await echo.stop();
    await bridge.stop();
    for (const user of users) await user.stop();
    await hook.stop();
  }
  return rows;
}
