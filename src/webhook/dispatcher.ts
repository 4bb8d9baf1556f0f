import type { Element } from "@xmpp/xml";
import { serializeStanza } from "../formats/xml.js";
import type { Logger } from "../log.js";
import type { Metrics } from "../metrics.js";
import { GLOBAL_STREAM } from "../owner.js";
import { busy, type StanzaError, serviceUnavailable } from "../stanza/errors.js";
import type { Jid } from "../stanza/jid.js";
import type { NewEvent, Store } from "../store/index.js";
import type { Link } from "../xmpp/link.js";
import { createAttempt } from "./attempt.js";
import { type CallerOptions, createWebhookCaller } from "./caller.js";
import type { WebhookClient } from "./deliver.js";
import { needsAnswer, shouldForward } from "./filter.js";
import { createWebhookHealth } from "./health.js";
import { createIqCalls } from "./iq-calls.js";
import { createDurableQueue, type RetryResult as QueueRetry, type QueueStore } from "./queue.js";
import { allowsReply, errorReply } from "./reply.js";
import type { WebhookSettings } from "./settings.js";
import { type WebhookDelivery, withWebhookId } from "./webhook-id.js";

/** A stanza for the queue: committed to the log with its delivery in its conversation. */
type QueuedEvent = NewEvent & { readonly conversation: string };

/** An admin's retry, with the delivery as the API shows it (its webhook id). */
export type RetryResult = QueueRetry<WebhookDelivery>;

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
  /** Takes an outcome before the reply rules do (an owner's command answers); see CallerOptions. */
  readonly intercept?: CallerOptions["intercept"];
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
  /** Claims the backlog again: another process that held some of it is gone. */
  rescan(): void;
  /** Stops starting attempts, lets those in flight finish; the rest stays stored. */
  stop(): Promise<void>;
  /** Deliveries not finished (stored and waiting, or in flight). */
  readonly pending: number;
}

/**
 * Inbound stanzas to the webhook. Messages and presences are committed to the
 * store first and delivered from it (retried, in order per conversation, see
 * queue.ts); iqs are called at once and answered within the callback timeout
 * (./iq-calls.ts).
 */
export function createDispatcher(options: DispatcherOptions): WebhookDispatcher {
  const { config, log } = options;
  const now = options.now ?? Date.now;
  const owner = options.owner ?? GLOBAL_STREAM;
  const stream = options.stream ?? GLOBAL_STREAM;
  const filter = {
    domain: config.domain,
    scope: config.scope,
    stanzas: config.callbackStanzas,
    events: config.callbackEvents,
  };
  const caller = createWebhookCaller({ ...options, owner, now });
  const health = createWebhookHealth(log);
  const { storeId } = options.store;
  const attempt = createAttempt({
    caller,
    health,
    retryMs: config.callbackRetryMs,
    storeId,
    log,
    now,
  });
  const queue = createDurableQueue({
    // Each webhook delivers only its own stream (the global one, or one owner's).
    store: options.store,
    stream,
    concurrency: config.callbackConcurrency,
    attempt,
    log,
    now,
  });
  const iqs = createIqCalls(caller, health, config.callbackConcurrency, log);
  let stopped = false;
  // Episodes, logged once each rather than once per refused stanza.
  let refusing: "queue-full" | "store-failed" | undefined;

  const refuse = (stanza: Element, error: StanzaError) => {
    if (!allowsReply(stanza)) return;
    const reply = errorReply(stanza, error);
    if (reply) void caller.send(reply);
  };

  const overloaded = (stanza: Element, episode: "queue-full" | "store-failed", err?: unknown) => {
    if (refusing !== episode) {
      refusing = episode;
      log.warn(
        episode === "queue-full"
          ? "webhook backlog full; new stanzas get wait/resource-constraint"
          : "store cannot take stanzas; new stanzas get wait/resource-constraint",
        { pending: queue.pending, limit: config.callbackQueueSize, err },
      );
    }
    refuse(stanza, busy("too many stanzas wait for the bot"));
  };

  const store = (stanza: Element) => {
    if (queue.pending >= config.callbackQueueSize) {
      overloaded(stanza, "queue-full");
      return;
    }
    const { from = "", to = "" } = stanza.attrs;
    // iqs are called at once, never stored.
    const kind = stanza.name === "presence" ? "presence" : "message";
    const event = { stream, kind, stanza: serializeStanza(stanza), conversation: `${from}\n${to}` };
    queue.enqueue(event as QueuedEvent, stanza).then(
      () => {
        if (refusing !== undefined && queue.pending < config.callbackQueueSize) {
          log.info("webhook backlog accepts stanzas again", { pending: queue.pending });
          refusing = undefined;
        }
      },
      (err: unknown) => overloaded(stanza, "store-failed", err),
    );
  };

  return {
    get pending() {
      return queue.pending;
    },
    async start() {
      caller.probe();
      await queue.start();
    },
    handle(stanza, to) {
      try {
        if (config.callbackUrl === undefined || !shouldForward(stanza, filter, to)) {
          if (needsAnswer(stanza)) refuse(stanza, serviceUnavailable());
          return;
        }
        if (stanza.name !== "iq") {
          // Stored even while stopping: delivered after the next start.
          store(stanza);
        } else if (stopped) {
          refuse(stanza, serviceUnavailable("the bridge is stopping"));
        } else if (!iqs.call(stanza)) overloaded(stanza, "queue-full");
      } catch (err) {
        log.error("webhook dispatch failed", { err });
      }
    },
    rescan: () => queue.rescan(),
    async retry(id) {
      const result = await queue.retry(id);
      return result.status === "unknown"
        ? result
        : { ...result, delivery: withWebhookId(storeId, result.delivery) };
    },
    async stop() {
      stopped = true;
      await queue.stop();
      await iqs.settled();
      await caller.settled();
    },
  };
}
