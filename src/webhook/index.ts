import type { Logger } from "../log.js";
import type { Metrics } from "../metrics.js";
import type { Link } from "../xmpp/link.js";
import { createWebhookAgent } from "./deliver.js";
import { createDispatcher, type DispatcherOptions, type WebhookDispatcher } from "./dispatcher.js";
import type { WebhookSettings } from "./settings.js";

export type { RetryResult } from "./dispatcher.js";
export { type WebhookDelivery, withWebhookId } from "./webhook-id.js";

export interface Webhook {
  start(): Promise<void>;
  handle: WebhookDispatcher["handle"];
  retry: WebhookDispatcher["retry"];
  rescan: WebhookDispatcher["rescan"];
  readonly pending: number;
  /** Stops the dispatcher, then closes the agent (destroying it after drainTimeoutMs). */
  stop(drainTimeoutMs?: number): Promise<void>;
}

/** The receive side: one pooled agent and the dispatcher that uses it. */
export function createWebhook(options: {
  config: WebhookSettings;
  link: Pick<Link, "send">;
  log: Logger;
  metrics?: Pick<Metrics, "webhookDeliveries">;
  store: DispatcherOptions["store"];
  /** A bot's webhook delivers its owner's stream (`bot:<name>`, src/owner.ts). */
  stream?: string;
  /** The owner id its calls are counted under: `bot:<name>` for a bot's (owner.ts). */
  owner?: string;
  /** Takes an outcome before the reply rules (an owner's command answers). */
  intercept?: DispatcherOptions["intercept"];
}): Webhook {
  const { config, log } = options;
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
    handle: (stanza, to) => dispatcher.handle(stanza, to),
    retry: (id) => dispatcher.retry(id),
    rescan: () => dispatcher.rescan(),
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
