import type { Element } from "@xmpp/xml";
import type { Commands } from "../commands/index.js";
import { type MediaType, mediaTypeOf } from "../formats/negotiate.js";
import type { Logger } from "../log.js";
import type { Metrics } from "../metrics.js";
import { botOwner, ownerId } from "../owner.js";
import type { Jid } from "../stanza/jid.js";
import { STANZA_KIND_LIST } from "../stanza/kinds.js";
import type { DispatcherOptions } from "../webhook/dispatcher.js";
import { createWebhook, type RetryResult, type Webhook } from "../webhook/index.js";
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
 * One durable webhook dispatcher per bot that has a callback URL, delivering the bot's
 * stream (`bot:<name>`; retries, order, dead letters as for the global callback), with
 * the bot's settings over the global ones (timeouts, retries, concurrency, size limits
 * stay global). Made at start for every webhook bot, so a backlog left by the last run is
 * delivered; a bot changed or deleted through the API gets a new one, and the old one
 * finishes what it has in flight: the new one starts delivering once the old one has
 * stopped and given its claims back, so the two never hold one conversation at once.
 */
export function createBotWebhooks(options: BotWebhookOptions): BotWebhooks {
  const { config, registry, link, log, store, metrics, commands } = options;
  const hooks = new Map<string, Webhook>();
  // By bot: a bot's next webhook starts once the last one has stopped and given its claims back.
  const retiring = new Map<string, Promise<void>>();

  const retire = (name: string) => {
    const hook = hooks.get(name);
    if (!hook) return;
    hooks.delete(name);
    const done = hook.stop(config.callbackTimeoutMs).finally(() => {
      if (retiring.get(name) === done) retiring.delete(name);
    });
    retiring.set(name, done);
  };
  registry.onChange(retire);

  const hookFor = (name: string): Webhook | undefined => {
    const existing = hooks.get(name);
    if (existing) return existing;
    const bot = registry.get(name);
    if (!bot?.webhook) return undefined;
    const contentType: MediaType =
      mediaTypeOf(bot.webhook.contentType) ?? config.callbackContentType;
    const hook = createWebhook({
      config: {
        ...config,
        callbackUrl: bot.webhook.url,
        callbackSecret: bot.webhook.secret,
        callbackToken: bot.webhook.token,
        callbackContentType: contentType,
        // A bot's webhook sees everything addressed to the bot.
        callbackStanzas: STANZA_KIND_LIST,
        callbackEvents: ["bare", "full"],
      },
      link,
      log,
      store,
      stream: ownerId(botOwner(name)),
      owner: ownerId(botOwner(name)),
      metrics,
      intercept:
        commands && ((stanza, outcome) => commands.webhookAnswer(botOwner(name), stanza, outcome)),
    });
    hooks.set(name, hook);
    (retiring.get(name) ?? Promise.resolve())
      .then(() => hook.start())
      .catch((err: unknown) => log.error("bot webhook did not start", { bot: name, err }));
    return hook;
  };

  return {
    handle(bot, stanza, to) {
      hookFor(bot)?.handle(stanza, to);
    },
    async retry(bot, id) {
      const hook = hookFor(bot);
      return hook ? hook.retry(id) : { status: "unknown" };
    },
    start(names) {
      for (const name of names) hookFor(name);
    },
    rescan(names) {
      for (const name of names) hookFor(name)?.rescan();
    },
    async stop(drainTimeoutMs) {
      const stopping = [...hooks.values()].map((hook) => hook.stop(drainTimeoutMs));
      hooks.clear();
      await Promise.allSettled([...stopping, ...retiring.values()]);
    },
  };
}
