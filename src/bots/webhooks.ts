import type { Element } from "@xmpp/xml";
import type { Commands } from "../commands/index.js";
import type { Logger } from "../log.js";
import type { Metrics } from "../metrics.js";
import { botOwner } from "../owner.js";
import type { Jid } from "../stanza/jid.js";
import type { DispatcherOptions } from "../webhook/dispatcher.js";
import type { RetryResult } from "../webhook/index.js";
import { createOwnerWebhooks } from "../webhook/owners.js";
import type { WebhookSettings } from "../webhook/settings.js";
import type { Link } from "../xmpp/link.js";
import type { BotRegistry } from "./registry.js";

export interface BotWebhooks {
  /** Hands a stanza to the bot's own webhook (the bot must have one). */
  handle(bot: string, stanza: Element, to: Jid): void;
  /** Admin: delivers one of the bot's dead letters again (see /v1/deliveries). */
  retry(bot: string, id: string): Promise<RetryResult>;
  /** Starts the webhooks of these bots now, so what the last run left is delivered. */
  start(names: readonly string[]): void;
  /** Every bot webhook claims its backlog again (another process that held some is gone). */
  rescan(names: readonly string[]): void;
  stop(drainTimeoutMs: number): Promise<void>;
}

export interface BotWebhookOptions {
  /** The global callback's settings, which each bot's webhook starts from. */
  readonly config: WebhookSettings;
  readonly registry: Pick<BotRegistry, "get" | "onChange">;
  readonly link: Pick<Link, "send">;
  readonly log: Logger;
  readonly store: DispatcherOptions["store"];
  /** Each bot's calls are counted with its owner id (`bot:<name>`). */
  readonly metrics?: Pick<Metrics, "webhookDeliveries">;
  /** Command steps a bot answers in its HTTP response (commands/). */
  readonly commands?: Pick<Commands, "webhookAnswer">;
}

/**
 * The bots' webhooks: the owners' webhooks (../webhook/owners.ts) of the bots that have a
 * callback URL, replying on the component link.
 */
export function createBotWebhooks(options: BotWebhookOptions): BotWebhooks {
  const { registry, link, commands } = options;
  const hooks = createOwnerWebhooks({
    ...options,
    webhookOf: (owner) => (owner.kind === "bot" ? registry.get(owner.name)?.webhook : undefined),
    onChange: (listener) => registry.onChange((name) => listener(botOwner(name))),
    linkFor: () => link,
    interceptFor: (owner) =>
      commands && ((stanza, outcome) => commands.webhookAnswer(owner, stanza, outcome)),
  });
  return {
    handle: (bot, stanza, to) => hooks.handle(botOwner(bot), stanza, to),
    retry: (bot, id) => hooks.retry(botOwner(bot), id),
    start: (names) => hooks.start(names.map(botOwner)),
    rescan: (names) => hooks.rescan(names.map(botOwner)),
    stop: (drainTimeoutMs) => hooks.stop(drainTimeoutMs),
  };
}
