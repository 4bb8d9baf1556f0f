/**
 * The XMPP-side baselines: a bare XEP-0114 component (@xmpp/component-core, no HTTP) run as its
 * own pinned process, exactly like the bridge, and driven over IPC by bench/run.ts.
 *
 *   send   sends chat messages to a user with `concurrency` writes in flight (send-message ceiling)
 *   ping   pings the server with `concurrency` iqs in flight (send-iq baseline)
 *   count  counts the messages it receives (receive-webhook baseline; also a never-answering peer)
 *   echo   answers every message with the same body (echo-roundtrip baseline)
 */
import { Component } from "@xmpp/component-core";
import xml, { type Element } from "@xmpp/xml";
import { now } from "../lib/clock.js";
import { DeliveryTracker, messageBody, parseBody } from "../lib/delivery.js";
import { Samples } from "../lib/stats.js";

export interface ComponentParams {
  readonly mode: "send" | "ping" | "count" | "echo";
  readonly service: string;
  readonly domain: string;
  readonly secret: string;
  readonly to?: string;
  readonly concurrency?: number;
  readonly durationMs?: number;
  readonly maxCount?: number;
}

const params = JSON.parse(process.argv[2] ?? "{}") as ComponentParams;
const send = (message: unknown) => process.send?.(message);

const entity = new Component({ service: params.service, domain: params.domain });
entity.on("error", () => {});
const handlers: ((stanza: Element) => void)[] = [];
entity.on("stanza", (stanza: Element) => {
  for (const handler of handlers) handler(stanza);
});

// XEP-0114 §3: handshake = SHA-1(stream id + secret) once the server opened its stream.
const online = new Promise<void>((resolve, reject) => {
  entity.once("online", () => resolve());
  entity.once("disconnect", () => reject(new Error(`${params.domain}: handshake refused`)));
});
entity.on("open", (el: Element) => {
  entity.authenticate(el.attrs.id ?? "", params.secret).catch(() => {});
});

const command = (type: string) =>
  new Promise<void>((resolve) => {
    const listener = (message: { type?: string }) => {
      if (message.type !== type) return;
      process.off("message", listener);
      resolve();
    };
    process.on("message", listener);
  });

async function loop(work: (seq: number) => Promise<void>): Promise<number> {
  const concurrency = params.concurrency ?? 1;
  const maxCount = params.maxCount ?? 1_000_000;
  const deadline = now() + (params.durationMs ?? 1_000);
  let next = 0;
  const worker = async () => {
    while (next < maxCount && now() < deadline) await work(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return next;
}

async function runSend() {
  const startedAt = now();
  const sent = await loop((seq) =>
    entity.send(
      xml(
        "message",
        { to: params.to ?? "", from: params.domain, type: "chat", id: `b${seq}` },
        xml("body", {}, messageBody(seq, now())),
      ),
    ),
  );
  return { sent, startedAt, elapsedMs: now() - startedAt };
}

async function runPing() {
  const waiting = new Map<string, () => void>();
  handlers.push((stanza) => {
    if (stanza.name !== "iq") return;
    const done = waiting.get(stanza.attrs.id ?? "");
    if (done && stanza.attrs.type === "result") done();
  });
  const latency = new Samples();
  let errors = 0;
  const startedAt = now();
  const sent = await loop(async (seq) => {
    const id = `p${seq}`;
    const sentAt = now();
    const answered = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 10_000);
      waiting.set(id, () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    await entity.send(
      xml(
        "iq",
        { type: "get", to: params.to ?? "localhost", from: params.domain, id },
        xml("ping", { xmlns: "urn:xmpp:ping" }),
      ),
    );
    if (await answered) latency.add(now() - sentAt);
    else errors += 1;
    waiting.delete(id);
  });
  return {
    sent,
    ok: latency.count,
    errors,
    latency: latency.summary(),
    startedAt,
    elapsedMs: now() - startedAt,
  };
}

async function runCount() {
  const tracker = new DeliveryTracker(params.maxCount ?? 1_000_000);
  handlers.push((stanza) => {
    if (stanza.name !== "message") return;
    const parsed = parseBody(stanza.getChildText("body") ?? undefined);
    if (parsed) tracker.arrive(parsed.seq, parsed.sentAt);
  });
  // Progress lets the senders keep a bounded window of messages in flight.
  let reported = 0;
  const timer = setInterval(() => {
    if (tracker.unique + tracker.duplicates === reported) return;
    reported = tracker.unique + tracker.duplicates;
    send({ type: "progress", received: tracker.unique });
  }, 5);
  await command("stop");
  clearInterval(timer);
  return tracker.report();
}

async function runEcho() {
  let echoed = 0;
  handlers.push((stanza) => {
    if (stanza.name !== "message" || stanza.attrs.type === "error") return;
    const { from, to } = stanza.attrs;
    if (!from || !to) return;
    echoed += 1;
    entity
      .send(
        xml(
          "message",
          { from: to, to: from, type: stanza.attrs.type ?? "chat", id: `e${echoed}` },
          xml("body", {}, stanza.getChildText("body") ?? ""),
        ),
      )
      .catch(() => {});
  });
  await command("stop");
  return { echoed };
}

async function main() {
  await entity.connect(params.service);
  await entity.open({ domain: params.domain });
  await online;
  send({ type: "ready" });
  let result: unknown;
  if (params.mode === "send" || params.mode === "ping") {
    await command("start");
    result = params.mode === "send" ? await runSend() : await runPing();
  } else {
    result = params.mode === "count" ? await runCount() : await runEcho();
  }
  send({ type: "done", result });
  await entity.stop().catch(() => {});
  process.disconnect?.();
}

process.once("SIGTERM", () => {
  entity.stop().finally(() => process.exit(0));
});

main().catch((err: unknown) => {
  process.stderr.write(`baseline component: ${String(err)}\n`);
  process.exitCode = 1;
  process.disconnect?.();
  entity.stop().catch(() => {});
});
