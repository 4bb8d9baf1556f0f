/**
 * Runs fuzz cases against a live bridge connected to a real XMPP server, one at a time, checking
 * after each: no component drop, no 5xx other than 503/504 (and 502, the server's remote-server-not-found), every webhook answer ended in a
 * reply or an error reply to the user. Alongside: /health probed every 100 ms, and the
 * process's event-loop stalls measured (test/helpers/stall-monitor.ts). Used by the fuzz
 * suite in `npm test` and by `npm run fuzz` (the long campaign).
 */
import { request } from "node:http";
import xml, { type Element } from "@xmpp/xml";
import fc from "fast-check";
import type { TestBridge } from "../helpers/bridge.js";
import { TOKEN } from "../helpers/bridge.js";
import { componentDrops, type XmppServer } from "../helpers/server.js";
import { startStallMonitor } from "../helpers/stall-monitor.js";
import type { WebhookServer } from "../helpers/webhook-server.js";
import type { XmppUser } from "../helpers/xmpp-user.js";
import { fuzzCase, type HttpCase, type WebhookCase } from "./arbitraries.js";

export interface FuzzEnv {
  readonly bridge: TestBridge;
  /** The XMPP server (Prosody or ejabberd, see test/helpers/server.ts). */
  readonly server: XmppServer;
  /** The user who talks to the bot; connected as bob@localhost. */
  readonly user: XmppUser;
  /** The webhook the bridge calls (XMPP_REST_CALLBACK_URL). */
  readonly webhook: WebhookServer;
}

export interface FuzzOptions {
  readonly cases: number;
  readonly seed: number;
  /** Called every `progressEvery` cases. */
  readonly onProgress?: (done: number, report: FuzzReport) => void;
  readonly progressEvery?: number;
  /** Shrinking a failure against a live server can take long; this bounds the whole run. */
  readonly timeLimitMs?: number;
}

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Probes that got no answer or a status other than 200. */
  readonly failures: number;
}

export interface FuzzReport {
  readonly seed: number;
  /** Cases run (shrinking runs included when a failure is being shrunk). */
  readonly cases: number;
  readonly httpCases: number;
  readonly webhookCases: number;
  readonly durationMs: number;
  /** HTTP status -> count, for the fuzz requests. */
  readonly statuses: Readonly<Record<string, number>>;
  /** Webhook cases by what the user got back: "reply" or "error". */
  readonly webhookOutcomes: Readonly<Record<string, number>>;
  /** Link drops seen by the bridge, and drops in the server's log (componentDrops()). */
  readonly linkDrops: number;
  /** null where the server's log cannot tell (ejabberd). */
  readonly serverDrops: number | null;
  readonly health: LatencySummary;
  readonly stall: { readonly maxLateMs: number; readonly maxBlockedMs: number };
  /** Longest stall while fast-check built a case (the fuzzer's own cost, not the bridge's). */
  readonly generationMaxBlockedMs: number;
  /** The cases during which the event loop was blocked longest (ms, case). */
  readonly slowest: readonly { readonly blockedMs: number; readonly case: string }[];
  /** The property's failure (counterexample and cause), if any. */
  readonly failure?: string;
}

const BOT = "bot@rest.localhost";
const ALLOWED_5XX: ReadonlySet<number> = new Set([502, 503, 504]);

function summarise(samples: number[], failures: number): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    count: samples.length,
    p50: round(at(0.5)),
    p99: round(at(0.99)),
    max: round(sorted[sorted.length - 1] ?? 0),
    failures,
  };
}

function describeCase(c: HttpCase | WebhookCase): string {
  const body = c.body ? JSON.stringify(c.body.toString("utf8").slice(0, 300)) : "";
  const size = c.body ? ` (${c.body.length} bytes)` : "";
  if (c.kind === "http") return `${c.method} ${c.path} ${JSON.stringify(c.headers)} ${body}${size}`;
  return `webhook answer to ${c.inbound}: ${c.status} ${c.contentType ?? "-"} ${body}${size}`;
}

/**
 * One HTTP request with node:http, not fetch: undici's fetch gives up on some statuses (a
 * 407, which a webhook may still answer), and the fuzzer must see every status. Resolves with the status once the body is read; rejects on a broken connection.
 */
function send(
  url: string,
  options: { method: string; headers: Record<string, string>; body?: Buffer; timeoutMs: number },
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method, headers: options.headers }, (res) => {
      res.on("data", () => {});
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", reject);
    });
    req.setTimeout(options.timeoutMs, () => req.destroy(new Error("no answer in time")));
    req.on("error", reject);
    req.end(options.body);
  });
}

export async function runCampaign(env: FuzzEnv, options: FuzzOptions): Promise<FuzzReport> {
  const { bridge, user, webhook, server } = env;
  const link = bridge.bridge.link;
  const statuses: Record<string, number> = {};
  const webhookOutcomes: Record<string, number> = {};
  const answers = new Map<string, WebhookCase>();
  let cases = 0;
  let httpCases = 0;
  let webhookCases = 0;
  const dropsAtStart = link.drops;
  const serverDropsAtStart = await componentDrops(server);
  const dropsSince = async (start: number | undefined) => {
    const now = await componentDrops(server);
    return now === undefined || start === undefined ? null : now - start;
  };

  webhook.handle((req) => {
    const id = /\bid="([^"]*)"/.exec(req.body)?.[1] ?? "";
    const answer = answers.get(id);
    answers.delete(id);
    if (!answer) return { status: 204 };
    const headers: Record<string, string> = {};
    if (answer.contentType !== undefined) headers["content-type"] = answer.contentType;
    return { status: answer.status, headers, body: answer.body };
  });

  // /health, every 100 ms, for the whole run.
  const healthSamples: number[] = [];
  let healthFailures = 0;
  let probing = true;
  const prober = (async () => {
    while (probing) {
      const started = performance.now();
      try {
        const res = await fetch(`${bridge.url}/health`, { signal: AbortSignal.timeout(5_000) });
        await res.arrayBuffer();
        if (res.status !== 200) healthFailures += 1;
      } catch {
        healthFailures += 1;
      }
      healthSamples.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const stalls = startStallMonitor();

  // A ping through the bridge: its answer means Prosody read everything sent before it on
  // the stream, so a stanza that broke the stream shows up here, at its own case.
  const sync = (): Promise<number> =>
    send(`${bridge.url}/rest`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/xmpp+xml" },
      body: Buffer.from('<iq type="get" to="localhost"><ping xmlns="urn:xmpp:ping"/></iq>'),
      timeoutMs: 10_000,
    });

  const runHttp = async (c: HttpCase) => {
    httpCases += 1;
    const status = await send(`${bridge.url}${c.path}`, {
      method: c.method,
      headers: { authorization: `Bearer ${TOKEN}`, ...c.headers },
      ...(c.body ? { body: c.body } : {}),
      timeoutMs: 15_000,
    });
    statuses[status] = (statuses[status] ?? 0) + 1;
    // 503/504: the link or an iq's wait; 502 is an iq answered remote-server-not-found by the
    // server (a path to a domain it cannot reach: ejabberd tries s2s), mapped by the error
    // table. Any other 5xx, 500 above all, would be the bridge failing.
    if (status >= 500 && !ALLOWED_5XX.has(status)) throw new Error(`HTTP ${status}`);
    if (status === 202) {
      const synced = await sync();
      if (synced !== 200) throw new Error(`the ping after a 202 got ${synced}`);
    }
  };

  const runWebhook = async (c: WebhookCase) => {
    webhookCases += 1;
    const id = `fz${cases}`;
    answers.set(id, c);
    user.received.length = 0;
    const stanza =
      c.inbound === "iq"
        ? xml("iq", { type: "get", to: BOT, id }, xml("ping", { xmlns: "urn:xmpp:ping" }))
        : xml("message", { type: "chat", to: BOT, id }, [
            xml("body", {}, "hi"),
            xml("request", { xmlns: "urn:xmpp:receipts" }),
          ]);
    await user.send(stanza);
    // Every answer ends in something for the user: the reply, a receipt, or an error reply.
    const reply: Element = await user.waitFor(
      (s) => s.attrs.from === BOT && (c.inbound !== "iq" || s.attrs.id === id),
      10_000,
      `reply to ${id}`,
    );
    const outcome = reply.attrs.type === "error" ? "error" : "reply";
    webhookOutcomes[outcome] = (webhookOutcomes[outcome] ?? 0) + 1;
  };

  const report = async (failure?: string): Promise<FuzzReport> => ({
    seed: options.seed,
    cases,
    httpCases,
    webhookCases,
    durationMs: Math.round(performance.now() - started),
    statuses,
    webhookOutcomes,
    linkDrops: link.drops - dropsAtStart,
    serverDrops: await dropsSince(serverDropsAtStart),
    health: summarise(healthSamples, healthFailures),
    stall: stalls.report(),
    slowest: [...slowest],
    generationMaxBlockedMs: Math.round(generationMaxMs),
    ...(failure ? { failure } : {}),
  });

  const slowest: { blockedMs: number; case: string }[] = [];
  let generationMaxMs = 0;
  const noteSlow = (blockedMs: number, c: HttpCase | WebhookCase) => {
    if (slowest.length >= 3 && blockedMs <= (slowest[slowest.length - 1]?.blockedMs ?? 0)) return;
    slowest.push({ blockedMs: Math.round(blockedMs), case: describeCase(c).slice(0, 200) });
    slowest.sort((a, b) => b.blockedMs - a.blockedMs);
    slowest.length = Math.min(slowest.length, 3);
  };

  const started = performance.now();
  let failure: string | undefined;
  try {
    await fc.assert(
      fc.asyncProperty(fuzzCase, async (c) => {
        if (link.state !== "online") await link.waitOnline(15_000);
        const drops = link.drops;
        cases += 1;
        // A stall while generating the case must not be blamed on it: let the monitor's timer
        // (due first) record it, then start the case's window.
        await new Promise((resolve) => setTimeout(resolve, 0));
        const generation = stalls.takeWindow();
        try {
          if (c.kind === "http") await runHttp(c);
          else await runWebhook(c);
        } catch (err) {
          throw new Error(`${(err as Error).message}: ${describeCase(c)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 0));
        noteSlow(stalls.takeWindow(), c);
        generationMaxMs = Math.max(generationMaxMs, generation);
        if (link.drops !== drops) throw new Error(`component link dropped: ${describeCase(c)}`);
        if (options.onProgress && cases % (options.progressEvery ?? 1000) === 0) {
          options.onProgress(cases, await report());
        }
      }),
      {
        numRuns: options.cases,
        seed: options.seed,
        ...(options.timeLimitMs ? { interruptAfterTimeLimit: options.timeLimitMs } : {}),
        markInterruptAsFailure: true,
      },
    );
  } catch (err) {
    // fast-check 4 keeps the property's own error as the cause.
    const cause = err instanceof Error ? (err.cause as Error | undefined)?.message : undefined;
    const text = `${err instanceof Error ? err.message : String(err)}${cause ? `\nCause: ${cause}` : ""}`;
    failure = text.length > 4_000 ? `${text.slice(0, 4_000)}…` : text;
  } finally {
    probing = false;
    await prober;
    stalls.stop();
    answers.clear();
  }
  return report(failure);
}
