import type { Config } from "../config.js";
import type { Logger } from "../log.js";
import type { Metrics } from "../metrics.js";
import type { Link } from "../xmpp/link.js";
import { createWebhookAgent } from "./deliver.js";
import {
  createDispatcher,
  type DispatcherOptions,
  type WebhookConfig,
  type WebhookDispatcher,
} from "./dispatcher.js";

export type { RetryResult } from "./dispatcher.js";
export { type WebhookDelivery, withWebhookId } from "./webhook-id.js";

export interface Webhook {
  start(): Promise<void>;
  handle: WebhookDispatcher["handle"];
  retry: WebhookDispatcher["retry"];
  readonly pending: number;
  /** Stops the dispatcher, then closes the agent (destroying it after drainTimeoutMs). */
  stop(drainTimeoutMs?: number): Promise<void>;
}

/** The receive side: one pooled agent and the dispatcher that uses it. */
export function createWebhook(options: {
  config: WebhookConfig & Pick<Config, "callbackConcurrency">;
  link: Pick<Link, "send">;
  log: Logger;
  metrics?: Pick<Metrics, "webhookDeliveries" | "gauge">;
  store: DispatcherOptions["store"];
  /** A bot's webhook delivers its owner's stream (`bot:<name>`, src/owner.ts). */
  stream?: string;
}): Webhook {
  const { config, log } = options;
  if (options.metrics) registerBacklogMetrics(options.metrics, options.store);
  const agent = createWebhookAgent({
    timeoutMs: config.callbackTimeoutMs,
    connections: config.callbackConcurrency,
  });
  const dispatcher = createDispatcher({ ...options, agent });
  if (config.callbackUrl === undefined) {
    log.info("no callback URL: inbound iqs are answered service-unavailable");
  }
  return {
    start: () => dispatcher.start(),
    handle: (stanza) => dispatcher.handle(stanza),
    retry: (id) => dispatcher.retry(id),
    get pending() {
      return dispatcher.pending;
    },
    async stop(drainTimeoutMs = 10_000) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, drainTimeoutMs);
      });
      await Promise.race([dispatcher.stop(), deadline]);
      // close() waits for calls still in flight; past the deadline they are cut off.
      let closed = false;
      const closing = agent.close().then(() => {
        closed = true;
      });
      await Promise.race([closing, deadline]);
      clearTimeout(timer);
      if (!closed) await agent.destroy().catch(() => {});
      // Attempts cut off above end now; what they decided is committed before the store closes.
      await dispatcher.stop();
    },
  };
}

/**
 * The retry backlog and the dead letters, read from the store at scrape time (so they are
 * right after a restart too, and cost nothing between scrapes).
 */
function registerBacklogMetrics(
  metrics: Pick<Metrics, "gauge">,
  store: Pick<DispatcherOptions["store"], "backlog">,
): void {
  metrics.gauge({
    name: "xmpp_rest_webhook_pending_deliveries",
    help: "Inbound stanzas stored and not yet delivered to the webhook (waiting or retrying)",
    collect: async (set) => set({}, (await store.backlog()).pending),
  });
  metrics.gauge({
    name: "xmpp_rest_webhook_dead_letters",
    help: "Deliveries given up after the last retry, kept until pruned or retried (POST /v1/deliveries/{id}/retry)",
    collect: async (set) => set({}, (await store.backlog()).failed),
  });
  metrics.gauge({
    name: "xmpp_rest_webhook_oldest_pending_age_seconds",
    help: "Age of the oldest delivery still pending, 0 when none",
    collect: async (set) => {
      const { oldestPendingAt } = await store.backlog();
      set(
        {},
        oldestPendingAt === undefined ? 0 : Math.max(0, (Date.now() - oldestPendingAt) / 1000),
      );
    },
  });
}
