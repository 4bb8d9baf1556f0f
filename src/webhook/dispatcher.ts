import type { Element } from "@xmpp/xml";
import { codecFor } from "../formats/index.js";
import { type MediaType, XMPP_XML } from "../formats/negotiate.js";
import { parseXmlElement, serializeStanza } from "../formats/xml.js";
import type { Logger } from "../log.js";
import { type Metrics, noMetrics } from "../metrics.js";
import { GLOBAL_STREAM } from "../owner.js";
import { StanzaError } from "../stanza/errors.js";
import type { Jid } from "../stanza/jid.js";
import type { Store } from "../store/index.js";
import type { Link } from "../xmpp/link.js";
import { callWebhook, type WebhookClient } from "./deliver.js";
import { needsAnswer, shouldForward } from "./filter.js";
import { createWebhookHealth } from "./health.js";
import { probeWebhook } from "./probe.js";
import { type AttemptResult, createDurableQueue, type QueueStore } from "./queue.js";
import { allowsReply, errorReply, type Outcome, replyFor } from "./reply.js";
import { buildDeliveryRequest, type DeliveryIdentity, probeHeaders } from "./request.js";
import { asksNoRetry, isRetryable, nextDelay, retryAfterMs } from "./retry.js";
import type { WebhookSettings } from "./settings.js";
import { newWebhookId, secretKey } from "./signature.js";
import { expandCallbackUrl } from "./url.js";
import { storedWebhookId, type WebhookDelivery, withWebhookId } from "./webhook-id.js";

export type RetryResult =
  | { readonly status: "unknown" }
  | { readonly status: "delivered"; readonly delivery: WebhookDelivery }
  | {
      readonly status: "requeued";
      readonly delivery: WebhookDelivery;
      readonly was: "pending" | "failed";
    };

export interface DispatcherOptions {
  readonly config: WebhookSettings;
  readonly link: Pick<Link, "send">;
  readonly log: Logger;
  /** The pooled undici client (a MockAgent in unit tests). */
  readonly agent: WebhookClient;
  readonly store: QueueStore & Pick<Store, "storeId">;
  readonly now?: () => number;
  readonly metrics?: Pick<Metrics, "webhookDeliveries">;
  /** The log stream this webhook delivers: GLOBAL_STREAM (default) or an owner's id. */
  readonly stream?: string;
  /** The owner id its calls are counted under (owner.ts): "global" unless told. */
  readonly owner?: string;
}

export interface WebhookDispatcher {
  /** Sends the start-up probe and starts delivering the stored backlog. */
  start(): Promise<void>;
  /**
   * Takes an inbound stanza for this webhook, its addresses normalised and `to` parsed by the
   * inbound router. Never throws.
   */
  handle(stanza: Element, to: Jid): void;
  /** Admin: delivers a dead letter (or a waiting delivery) again, now. */
  retry(id: string): Promise<RetryResult>;
  /** Stops starting attempts, lets those in flight finish; the rest stays stored. */
  stop(): Promise<void>;
  /** Deliveries not finished (stored and waiting, or in flight). */
  readonly pending: number;
}

/** One line for the log and the admin API: what an attempt ended with. */
function describeOutcome(outcome: Outcome): string {
  switch (outcome.kind) {
    case "answered":
      return `HTTP ${outcome.status}`;
    case "too-large":
      return `HTTP ${outcome.status}, answer larger than ${outcome.limit} bytes`;
    case "timeout":
      return `no answer within ${outcome.seconds}s`;
    case "unreachable":
      return `unreachable${outcome.reason ? `: ${outcome.reason}` : ""}`;
    case "refused":
      return outcome.error.message;
  }
}

/**
 * Inbound stanzas to the webhook. Messages and presences are committed to the
 * store first and delivered from it (retried, in order per conversation, see
 * queue.ts); iqs are called at once and answered within the callback timeout, as
 * RFC 6120 §8.2.3 expects an answer, not a stored promise of one.
 */
export function createDispatcher(options: DispatcherOptions): WebhookDispatcher {
  const { config, link, log, agent } = options;
  const metrics = options.metrics ?? noMetrics;
  const owner = options.owner ?? GLOBAL_STREAM;
  const now = options.now ?? Date.now;
  const url = config.callbackUrl;
  const settings = {
    url: url ?? "",
    token: config.callbackToken,
    key: config.callbackSecret ? secretKey(config.callbackSecret) : undefined,
  };
  const limits = { timeoutMs: config.callbackTimeoutMs, sizeLimit: config.stanzaSizeLimit };
  const replyContext = { domain: config.domain, sizeLimit: config.stanzaSizeLimit };
  const filter = {
    domain: config.domain,
    stanzas: config.callbackStanzas,
    events: config.callbackEvents,
  };
  const health = createWebhookHealth(log);
  let format: MediaType = config.callbackContentType;
  if (!codecFor(format)) {
    log.warn("webhook format not available, using XML", { format });
    format = XMPP_XML;
  }
  let probed: Promise<void> | undefined;
  let iqsInFlight = 0;
  const iqCalls = new Set<Promise<void>>();
  let stopped = false;
  // Episodes, logged once each rather than once per refused stanza.
  let refusing: "queue-full" | "store-failed" | undefined;

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

  const busy = (stanza: Element, episode: "queue-full" | "store-failed", err?: unknown) => {
    if (refusing !== episode) {
      refusing = episode;
      log.warn(
        episode === "queue-full"
          ? "webhook backlog full; new stanzas get wait/resource-constraint"
          : "store cannot take stanzas; new stanzas get wait/resource-constraint",
        { pending: queue.pending, limit: config.callbackQueueSize, err },
      );
    }
    refuse(
      stanza,
      new StanzaError("wait", "resource-constraint", {
        text: "too many stanzas wait for the bot",
      }),
    );
  };

  const call = async (stanza: Element, identity: DeliveryIdentity, stored?: string) => {
    if (probed) await probed;
    let request: ReturnType<typeof buildDeliveryRequest>;
    try {
      request = buildDeliveryRequest(settings, format, stanza, identity, now(), stored);
    } catch (err) {
      log.warn("stanza not encodable for the webhook", { stanzaId: stanza.attrs.id, format, err });
    }
    if (!request) {
      const error = new StanzaError("cancel", "internal-server-error", {
        text: `cannot encode as ${format}`,
      });
      return { kind: "refused", error } as const;
    }
    const started = performance.now();
    const outcome = await callWebhook(agent, request, limits);
    metrics.webhookDeliveries.observe(
      { owner, outcome: outcomeLabel(outcome) },
      (performance.now() - started) / 1000,
    );
    return outcome;
  };

  /** The reply (if any) the mod_rest rules give for a final outcome. */
  const conclude = async (stanza: Element, outcome: Outcome) => {
    const decision = replyFor(stanza, outcome, replyContext);
    if (decision.problem) {
      log.warn("webhook answer not used", {
        stanzaId: stanza.attrs.id,
        kind: stanza.name,
        problem: decision.problem,
      });
    }
    if (decision.reply) await send(decision.reply);
  };

  const { storeId } = options.store;
  const attempt = async (queued: {
    delivery: { id: string; stanza: string };
    attempts: number;
    element?: Element;
  }): Promise<AttemptResult> => {
    let stanza: Element;
    try {
      stanza = queued.element ?? parseXmlElement(queued.delivery.stanza).root;
    } catch (err) {
      log.error("stored stanza unreadable; kept as a dead letter", { err });
      return { state: "failed", error: "stored stanza unreadable" };
    }
    const attempts = queued.attempts + 1;
    const webhookId = storedWebhookId(storeId, queued.delivery.id);
    const outcome = await call(stanza, { webhookId, attempt: attempts }, queued.delivery.stanza);
    const error = describeOutcome(outcome);
    if (isRetryable(outcome)) {
      // Each failed attempt at debug; the episode once at warn (health.ts).
      log.debug("webhook call failed", { stanzaId: stanza.attrs.id, attempt: attempts, error });
      health.failed(error, { stanzaId: stanza.attrs.id });
      const headers = "headers" in outcome ? outcome.headers : undefined;
      const status = outcome.kind === "answered" ? outcome.status : 0;
      const delay = asksNoRetry(headers)
        ? undefined
        : nextDelay(config.callbackRetryMs, attempts, retryAfterMs(status, headers, now()));
      if (delay !== undefined) return { state: "pending", retryAt: now() + delay, error };
      log.warn("webhook delivery failed for good; kept as a dead letter", {
        stanzaId: stanza.attrs.id,
        webhookId,
        attempts,
        error,
      });
      await conclude(stanza, outcome);
      return { state: "failed", error };
    }
    if (outcome.kind !== "refused") health.answered();
    await conclude(stanza, outcome);
    const status = "status" in outcome ? outcome.status : 0;
    return status >= 200 && status <= 299 ? { state: "delivered" } : { state: "failed", error };
  };

  const stream = options.stream ?? GLOBAL_STREAM;
  const queue = createDurableQueue({
    // Each webhook delivers only its own stream (the global one, or one owner's).
    store: options.store,
    stream,
    concurrency: config.callbackConcurrency,
    attempt,
    log,
    now,
  });

  /** iqs: one attempt now, answered by its outcome (never stored). */
  const callNow = (stanza: Element) => {
    if (iqsInFlight >= config.callbackConcurrency) {
      busy(stanza, "queue-full");
      return;
    }
    iqsInFlight += 1;
    const run = call(stanza, { webhookId: newWebhookId(), attempt: 1 })
      .then(async (outcome) => {
        if (isRetryable(outcome)) {
          const error = describeOutcome(outcome);
          log.debug("webhook call failed", { stanzaId: stanza.attrs.id, error });
          health.failed(error, { stanzaId: stanza.attrs.id });
        } else if (outcome.kind !== "refused") health.answered();
        await conclude(stanza, outcome);
      })
      .catch((err: unknown) =>
        log.error("webhook iq call failed", { stanzaId: stanza.attrs.id, err }),
      )
      .finally(() => {
        iqsInFlight -= 1;
        iqCalls.delete(run);
      });
    iqCalls.add(run);
  };

  const store = (stanza: Element) => {
    if (queue.pending >= config.callbackQueueSize) {
      busy(stanza, "queue-full");
      return;
    }
    const { from = "", to = "" } = stanza.attrs;
    queue
      .enqueue(
        {
          stream,
          // iqs are called at once, never stored (callNow).
          kind: stanza.name === "presence" ? "presence" : "message",
          stanza: serializeStanza(stanza),
          conversation: `${from}\n${to}`,
        },
        stanza,
      )
      .then(
        () => {
          if (refusing !== undefined && queue.pending < config.callbackQueueSize) {
            log.info("webhook backlog accepts stanzas again", { pending: queue.pending });
            refusing = undefined;
          }
        },
        (err: unknown) => busy(stanza, "store-failed", err),
      );
  };

  return {
    get pending() {
      return queue.pending;
    },
    async start() {
      if (url !== undefined && !probed) {
        probed = probeWebhook(
          agent,
          expandCallbackUrl(url, undefined),
          probeHeaders(settings, now()),
          limits,
        )
          .then((result) => {
            if (result.type) {
              format = result.type;
              log.info("webhook probe chose a format", { format });
            } else {
              log.warn("webhook probe did not choose a format", { reason: result.reason, format });
            }
          })
          .catch((err: unknown) => log.warn("webhook probe failed", { err }));
      }
      await queue.start();
    },
    handle(stanza, to) {
      try {
        if (url === undefined || !shouldForward(stanza, filter, to)) {
          if (needsAnswer(stanza)) refuse(stanza, new StanzaError("cancel", "service-unavailable"));
          return;
        }
        if (stanza.name === "iq") {
          if (stopped) {
            refuse(
              stanza,
              new StanzaError("cancel", "service-unavailable", {
                text: "the bridge is stopping",
              }),
            );
          } else callNow(stanza);
          return;
        }
        // Stored even while stopping: delivered after the next start.
        store(stanza);
      } catch (err) {
        log.error("webhook dispatch failed", { err });
      }
    },
    async retry(id) {
      const result = await queue.retry(id);
      return result.status === "unknown"
        ? result
        : { ...result, delivery: withWebhookId(storeId, result.delivery) };
    },
    async stop() {
      stopped = true;
      await queue.stop();
      await Promise.allSettled([...iqCalls]);
      if (probed) await probed;
    },
  };
}

/** The metrics label of a webhook call's outcome: the status class when it answered. */
function outcomeLabel(outcome: Outcome): string {
  return outcome.kind === "answered" ? `${Math.floor(outcome.status / 100)}xx` : outcome.kind;
}
