import { spawnComponent } from "../lib/baseline.js";
import { launchScenarioBridge, TOKEN } from "../lib/bridge.js";
import type { BenchContext, Row } from "../lib/context.js";
import { pick, ratio, usageFields } from "../lib/context.js";
import { runLoad } from "../lib/load.js";
import { runModRest } from "../lib/mod-rest.js";
import { sampleUsage } from "../lib/procs.js";
import { costRatios, rigBoundNote, type SideCost } from "../lib/rig-bound.js";
import { perSecond, type Summary } from "../lib/stats.js";

const MAX_IQS = 2_000_000;
const headers = {
  authorization: `Bearer ${TOKEN}`,
  "content-type": "application/xmpp+xml",
  accept: "application/xmpp+xml",
};

/** XEP-0199 pings to the server through POST /rest, each answered 200 with the pong. */
export async function sendIq(ctx: BenchContext): Promise<Row[]> {
  const levels = ctx.plan.connections.filter((n) => n > 1);
  const rows: Row[] = [];
  const bridge = await launchScenarioBridge(ctx, "send-iq");
  try {
    for (const connections of levels.length > 0 ? levels : [16]) {
      ctx.progress(`send-iq: bridge, ${connections} connections`);
      const usage = sampleUsage(bridge.pid, ctx.prosody.pid);
      const result = await runLoad(
        {
          url: bridge.url,
          connections,
          durationMs: ctx.plan.durationMs,
          maxRequests: MAX_IQS,
          build: (seq) => ({
            path: "/rest",
            headers,
            body: `<iq type='get' to='localhost' id='r${seq}'><ping xmlns='urn:xmpp:ping'/></iq>`,
          }),
        },
        200,
      );
      const bridgeUsage = usage.stop();
      const bridgeRate = perSecond(result.ok, result.elapsedMs);

      ctx.progress(`send-iq: bare component, ${connections} iqs in flight`);
      const component = await spawnComponent(
        {
          mode: "ping",
          service: ctx.prosody.service,
          domain: "base.localhost",
          secret: ctx.prosody.componentSecret,
          to: "localhost",
          concurrency: connections,
          durationMs: ctx.plan.durationMs,
          maxCount: MAX_IQS,
        },
        ctx.pinning.measured,
        ctx.cleanup,
      );
      const componentUsage = sampleUsage(component.pid, ctx.prosody.pid);
      component.command("start");
      const base = await component.done<{
        ok: number;
        errors: number;
        latency: Summary;
        elapsedMs: number;
      }>(ctx.plan.durationMs + 30_000);
      const baseUsage = componentUsage.stop();
      await component.stop();
      const baseRate = perSecond(base.ok, base.elapsedMs);

      const peer = ctx.prosody.modRest;
      let modRestRate: number | undefined;
      let modRestCost: SideCost | undefined;
      if (peer) {
        ctx.progress(`send-iq: mod_rest, ${connections} connections`);
        const peerUsage = sampleUsage(ctx.prosody.pid, ctx.prosody.pid);
        const peerResult = await runModRest(
          ctx,
          peer,
          {
            connections,
            maxRequests: MAX_IQS,
            contentType: "application/xmpp+xml",
            body: (seq) =>
              `<iq type='get' to='localhost' id='m${seq}'><ping xmlns='urn:xmpp:ping'/></iq>`,
          },
          200,
        );
        const peerStats = peerUsage.stop();
        modRestRate = perSecond(peerResult.ok, peerResult.elapsedMs);
        const peerFields = usageFields(peerStats, peerResult.ok);
        modRestCost = { rate: modRestRate, cpuUsPerOp: peerFields.cpuUsPerOp };
        rows.push({
          scenario: "send-iq",
          subject: "peer: Prosody mod_rest",
          load: `${connections} conn`,
          throughput: modRestRate,
          unit: "iq/s",
          latency: peerResult.latency,
          errors: peerResult.errors,
          ...peerFields,
          notes: "CPU is all of Prosody's, alone on the measured core",
          details: { statuses: peerResult.statuses },
        });
      }

      const bridgeFields = usageFields(bridgeUsage, result.ok);
      const ratios = {
        ...pick({
          "bare component": ratio(bridgeRate, baseRate),
          mod_rest: ratio(bridgeRate, modRestRate),
        }),
        ...costRatios(
          { rate: bridgeRate, cpuUsPerOp: bridgeFields.cpuUsPerOp },
          bridgeUsage,
          modRestCost,
        ),
      };
      const rigBound = rigBoundNote(bridgeUsage, ctx.pinning);
      rows.push(
        {
          scenario: "send-iq",
          subject: "bridge",
          load: `${connections} conn`,
          throughput: bridgeRate,
          unit: "iq/s",
          latency: result.latency,
          errors: result.errors,
          ...bridgeFields,
          ratios,
          ...(rigBound ? { notes: rigBound } : {}),
          details: { statuses: result.statuses },
        },
        {
          scenario: "send-iq",
          subject: "baseline: bare component pinging",
          load: `${connections} in flight`,
          throughput: baseRate,
          unit: "iq/s",
          latency: base.latency,
          errors: base.errors,
          ...usageFields(baseUsage, base.ok),
        },
      );
    }
  } finally {
    await bridge.stop();
  }
  return rows;
}
