/**
 * The way out when several processes share one database (DESIGN, "Several processes"): only
 * one of them holds the XMPP link. The holder, online and with nothing waiting in the outbox,
 * sends directly (202: handed to the server, as with one process); otherwise a stanza goes
 * into the outbox the holder sends from (202: stored, so sent at least once, also across a
 * failover), and an iq waits here for the reply the holder routes back through the database.
 */
import type { Element } from "@xmpp/xml";
import { parseXmlElement, serializeStanza } from "../formats/xml.js";
import { timedOut } from "../stanza/errors.js";
import { normaliseJid } from "../stanza/jid.js";
import { NS } from "../stanza/ns.js";
import type { ClusterStore, Outbox, OutboxKind } from "../store/cluster.js";
import { STORE_RETRY_AFTER_SECONDS } from "../store/errors.js";
import type { IqReply } from "../xmpp/iq-tracker.js";
import type { OutboundConnection } from "./connection.js";

/** How often a waiter looks for its answer when no doorbell rang (a safety net). */
const ANSWER_POLL_MS = 1_000;

export interface RoutedOptions {
  /** The link as this process sees it (offline unless it holds the lease). */
  readonly direct: OutboundConnection;
  readonly outbox: Outbox;
  readonly on: ClusterStore["on"];
  /** This process's instance: what an iq's row names as its waiter. */
  readonly instance: string;
  /** Whether the direct way is free: this process holds the link and the outbox is empty. */
  readonly directFree: () => boolean;
  /** Whether the database can take a stanza now. */
  readonly reachable: () => boolean;
  readonly now?: () => number;
}

export interface RoutedConnection extends OutboundConnection {
  /**
   * An owner's iq answer that cannot be checked here (the iqs it received are known to the
   * link holder): it goes to the outbox marked, and the holder checks it before sending.
   */
  deferClaim(answer: Element, owner: string): Element;
  stop(): void;
}

const kindOf = (name: string): OutboxKind =>
  name === "iq" ? "iq" : name === "presence" ? "presence" : "message";

export function createRoutedConnection(options: RoutedOptions): RoutedConnection {
  const { direct, outbox, instance } = options;
  const now = options.now ?? Date.now;
  const deferred = new WeakMap<Element, string>();
  const waiting = new Map<string, () => void>();
  // Rings that came before their waiter was registered (the answer beat the add's commit reply).
  const early = new Set<string>();

  const viaDirect = () => options.directFree() && direct.state === "online";

  const wakeAll = () => {
    for (const wake of [...waiting.values()]) wake();
  };
  const offRing = options.on("answers", (id) => {
    if (id === "") return wakeAll();
    const wake = waiting.get(id);
    if (wake) return wake();
    if (early.size > 1_000) early.clear();
    early.add(id);
  });
  const timer = setInterval(() => {
    if (waiting.size > 0) wakeAll();
  }, ANSWER_POLL_MS);
  timer.unref();

  /** Waits for the answer to the iq stored as `id`: a ring, or the poll, says when to look. */
  const answerOf = (id: string, to: string, timeoutMs: number) =>
    new Promise<IqReply>((resolve, reject) => {
      let looking = false;
      const look = () => {
        if (looking) return;
        looking = true;
        outbox
          .collect(id)
          .then((answer) => {
            looking = false;
            if (!answer || !waiting.has(id)) return;
            finish();
            resolve({
              reply: parseXmlElement(answer.reply).root,
              results: answer.results.map((r) => parseXmlElement(r).root),
            });
          })
          .catch(() => {
            looking = false;
          });
      };
      const timeout = setTimeout(() => {
        finish();
        outbox.abandon(id).catch(() => {});
        reject(timedOut(`no reply from ${to} within ${timeoutMs / 1000}s`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timeout);
        waiting.delete(id);
      };
      waiting.set(id, look);
      if (early.delete(id)) look();
    });

  return {
    get state() {
      return viaDirect() || options.reachable() ? "online" : "offline";
    },
    from: direct.from,
    retryAfterSeconds: () =>
      options.reachable() ? direct.retryAfterSeconds() : STORE_RETRY_AFTER_SECONDS,
    async send(stanza) {
      if (viaDirect() && !deferred.has(stanza)) return direct.send(stanza);
      // The holder checks the from rule again before it writes.
      stanza.attrs.from ??= direct.from.defaultFrom;
      await outbox.add({
        stanza: serializeStanza(stanza),
        kind: kindOf(stanza.name),
        claim: deferred.get(stanza),
      });
    },
    async request(iq, timeoutMs, requestOptions = {}) {
      if (viaDirect()) return direct.request(iq, timeoutMs, requestOptions);
      iq.attrs.from ??= direct.from.defaultFrom;
      const to = iq.attrs.to ?? "";
      const id = await outbox.add({
        stanza: serializeStanza(iq),
        kind: "iq",
        waiter: instance,
        responder: normaliseJid(to) ?? to,
        stanzaId: iq.attrs.id,
        mamQueryId: requestOptions.mamQueryId ?? iq.getChild("query", NS.mam)?.attrs.queryid,
        deadline: now() + timeoutMs,
      });
      return answerOf(id, to, timeoutMs);
    },
    deferClaim(answer, owner) {
      deferred.set(answer, owner);
      return answer;
    },
    stop() {
      offRing();
      clearInterval(timer);
    },
  };
}
