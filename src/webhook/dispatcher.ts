import type { Element } from "@xmpp/xml";
import type { Dispatcher } from "undici";
import type { Config } from "../config.js";
import { codecFor, REQUEST_TYPES } from "../formats/index.js";
import { type MediaType, XMPP_XML } from "../formats/negotiate.js";
import type { Logger } from "../log.js";
import { type Metrics, noMetrics } from "../metrics.js";
import { StanzaError } from "../stanza/errors.js";
import { jidToString, normaliseJid, parseJid } from "../stanza/jid.js";
import type { Link } from "../xmpp/link.js";
import { callWebhook } from "./deliver.js";
import { needsAnswer, shouldForward } from "./filter.js";
import { probeWebhook } from "./probe.js";
import { allowsReply, errorReply, type Outcome, replyFor } from "./reply.js";
import { newWebhookId, secretKey, signatureHeaders } from "./signature.js";
import { expandCallbackUrl } from "./url.js";

export type WebhookConfig = Pick<
  Config,
  | "domain"
  | "stanzaSizeLimit"
  | "callbackUrl"
  | "callbackStanzas"
  | "callbackEvents"
  | "callbackContentType"
  | "callbackTimeoutMs"
  | "callbackConcurrency"
  | "callbackQueueSize"
  | "callbackSecret"
  | "callbackToken"
>;

export interface DispatcherOptions {
  readonly config: WebhookConfig;
  readonly link: Pick<Link, "send">;
  readonly log: Logger;
  /** The pooled undici client (a MockAgent in unit tests). */
  readonly agent: Dispatcher;
  readonly metrics?: Pick<Metrics, "webhookDeliveries">;
}

export interface WebhookDispatcher {
  /** Sends the start-up OPTIONS probe; deliveries wait for it, the bridge does not. */
  start(): void;
  /** Takes an inbound stanza the iq tracker did not claim. Never throws. */
  handle(stanza: Element): void;
  /** Refuses what still waits, lets calls in flight finish, then resolves. */
  stop(): Promise<void>;
  readonly inFlight: number;
  readonly queued: number;
}

/** Stanzas from one sender to one address, delivered one at a time. */
interface Conversation {
  readonly key: string;
  readonly waiting: Element[];
  busy: boolean;
}

/**
 * Forwards inbound stanzas to the webhook and sends back what its answers mean.
 * Order is kept per conversation (same sender, same address: the next stanza
 * waits for the previous answer); conversations run in parallel up to the
 * concurrency limit; what cannot start waits in a bounded queue.
 */
export function createDispatcher({
  config,
  link,
  log,
  agent,
  metrics = noMetrics,
}: DispatcherOptions): WebhookDispatcher {
  const url = config.callbackUrl;
  const key = config.callbackSecret ? secretKey(config.callbackSecret) : undefined;
  const limits = { timeoutMs: config.callbackTimeoutMs, sizeLimit: config.stanzaSizeLimit };
  const replyContext = { domain: config.domain, sizeLimit: config.stanzaSizeLimit };
  const filter = {
    domain: config.domain,
    stanzas: config.callbackStanzas,
    events: config.callbackEvents,
  };
  // What the bridge can read back from the webhook (text/plain: a message body).
  const accept = REQUEST_TYPES.join(", ");

  let format: MediaType = config.callbackContentType;
  if (!codecFor(format)) {
    log.warn("webhook format not available, using XML", { format });
    format = XMPP_XML;
  }

  const conversations = new Map<string, Conversation>();
  // Conversations with a stanza ready and no call in flight, oldest first.
  const ready: Conversation[] = [];
  const running = new Set<Promise<void>>();
  let queued = 0;
  let probed: Promise<void> | undefined;
  let stopped = false;

  const send = async (reply: Element) => {
    try {
      await link.send(reply);
    } catch (err) {
      log.warn("webhook reply not sent", { stanzaId: reply.attrs.id, to: reply.attrs.to, err });
    }
  };

  const refuse = (stanza: Element, error: StanzaError) => {
    if (!allowsReply(stanza)) return;
    const reply = errorReply(stanza, error);
    if (reply) void send(reply);
  };

  const authHeaders = (body: string): Record<string, string> => {
    const headers: Record<string, string> = { "user-agent": "xmpp-rest" };
    if (config.callbackToken) headers.authorization = `Bearer ${config.callbackToken}`;
    if (key) Object.assign(headers, signatureHeaders(key, newWebhookId(), body));
    return headers;
  };

  const deliver = async (stanza: Element): Promise<void> => {
    if (probed) await probed;
    let outcome: Outcome;
    const codec = codecFor(format);
    let body: string | undefined;
    try {
      body = codec?.encode(stanza);
    } catch (err) {
      log.warn("stanza not encodable for the webhook", { stanzaId: stanza.attrs.id, format, err });
    }
    if (body === undefined || url === undefined) {
      outcome = {
        kind: "refused",
        error: new StanzaError("cancel", "internal-server-error", {
          text: `cannot encode as ${format}`,
        }),
      };
    } else {
      const headers: Record<string, string> = {
        ...authHeaders(body),
        "content-type": format,
        accept,
      };
      const lang = stanza.attrs["xml:lang"];
      if (lang) headers["content-language"] = lang;
      const started = performance.now();
      outcome = await callWebhook(
        agent,
        { method: "POST", url: expandCallbackUrl(url, stanza), headers, body },
        limits,
      );
      metrics.webhookDeliveries.observe(
        { outcome: outcomeLabel(outcome) },
        (performance.now() - started) / 1000,
      );
    }
    const stanzaId = stanza.attrs.id;
    if (outcome.kind === "timeout" || outcome.kind === "unreachable") {
      log.warn("webhook call failed", { stanzaId, outcome: outcome.kind, reason: outcome.reason });
    } else if (outcome.kind === "answered" && outcome.status >= 400) {
      log.info("webhook answered with an error", { stanzaId, status: outcome.status });
    }
    const decision = replyFor(stanza, outcome, replyContext);
    if (decision.problem) {
      log.warn("webhook answer not used", {
        stanzaId,
        kind: stanza.name,
        problem: decision.problem,
      });
    }
    if (decision.reply) await send(decision.reply);
  };

  const pump = () => {
    while (running.size < config.callbackConcurrency && ready.length > 0) {
      const conversation = ready.shift() as Conversation;
      const stanza = conversation.waiting.shift() as Element;
      queued -= 1;
      conversation.busy = true;
      const run = deliver(stanza)
        .catch((err: unknown) =>
          log.error("webhook delivery failed", { stanzaId: stanza.attrs.id, err }),
        )
        .finally(() => {
          running.delete(run);
          conversation.busy = false;
          if (conversation.waiting.length > 0) ready.push(conversation);
          else conversations.delete(conversation.key);
          pump();
        });
      running.add(run);
    }
  };

  return {
    get inFlight() {
      return running.size;
    },
    get queued() {
      return queued;
    },
    start() {
      if (url === undefined || probed) return;
      probed = probeWebhook(agent, expandCallbackUrl(url, undefined), authHeaders(""), limits)
        .then((result) => {
          if (result.type) {
            format = result.type;
            log.info("webhook probe chose a format", { format });
          } else {
            log.warn("webhook probe did not choose a format", { reason: result.reason, format });
          }
        })
        .catch((err: unknown) => log.warn("webhook probe failed", { err }));
    },
    handle(stanza) {
      try {
        if (!normaliseAddresses(stanza, config.domain)) {
          log.warn("inbound stanza with unusable addresses dropped", {
            stanzaId: stanza.attrs.id,
            from: stanza.attrs.from,
            to: stanza.attrs.to,
          });
          return;
        }
        if (stopped || url === undefined || !shouldForward(stanza, filter)) {
          if (needsAnswer(stanza)) {
            refuse(stanza, new StanzaError("cancel", "service-unavailable"));
          }
          return;
        }
        if (queued >= config.callbackQueueSize) {
          log.warn("webhook queue full", { stanzaId: stanza.attrs.id, queued, kind: stanza.name });
          refuse(
            stanza,
            new StanzaError("wait", "resource-constraint", {
              text: "too many stanzas wait for the bot",
            }),
          );
          return;
        }
        const id = `${stanza.attrs.from ?? ""}\n${stanza.attrs.to ?? ""}`;
        let conversation = conversations.get(id);
        if (!conversation) {
          conversation = { key: id, waiting: [], busy: false };
          conversations.set(id, conversation);
        }
        conversation.waiting.push(stanza);
        queued += 1;
        // A busy conversation is re-queued when its call ends; an idle one with
        // waiting stanzas is already in `ready`.
        if (!conversation.busy && conversation.waiting.length === 1) ready.push(conversation);
        pump();
      } catch (err) {
        log.error("webhook dispatch failed", { err });
      }
    },
    async stop() {
      stopped = true;
      const shuttingDown = new StanzaError("cancel", "service-unavailable", {
        text: "the bridge is stopping",
      });
      for (const conversation of conversations.values()) {
        for (const stanza of conversation.waiting.splice(0)) refuse(stanza, shuttingDown);
      }
      ready.length = 0;
      queued = 0;
      await Promise.allSettled([...running]);
      if (probed) await probed;
    },
  };
}

/** The metrics label of a webhook call's outcome: the status class when it answered. */
function outcomeLabel(outcome: Outcome): string {
  return outcome.kind === "answered" ? `${Math.floor(outcome.status / 100)}xx` : outcome.kind;
}

/**
 * Replies are addressed from the inbound stanza's `to`. The server compares a
 * component's `from` domain byte for byte (XEP-0114 §3; Prosody closes the
 * stream on a mismatch), so addresses are normalised before anything uses them.
 */
function normaliseAddresses(stanza: Element, domain: string): boolean {
  const to = parseJid(stanza.attrs.to ?? "");
  if (to === undefined || to.domain !== domain) return false;
  stanza.attrs.to = jidToString(to);
  const from = stanza.attrs.from === undefined ? undefined : normaliseJid(stanza.attrs.from);
  if (from !== undefined) stanza.attrs.from = from;
  return true;
}
