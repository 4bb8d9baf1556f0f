import type { Element } from "@xmpp/xml";
import type { Config } from "../config.js";
import type { Logger } from "../log.js";
import { botOwner, ownerId } from "../owner.js";
import type { BotStore } from "../store/bots.js";
import type { EventLog } from "../store/events.js";
import type { HistoryStore } from "../store/history.js";
import type { WebhookConfig } from "../webhook/dispatcher.js";
import type { Link } from "../xmpp/link.js";
import { historyEntry } from "./history.js";
import { createInboundIqs, type InboundIqs } from "./iq-answers.js";
import { type BotRegistry, botOfAddress, createBotRegistry } from "./registry.js";
import { type BotRouter, createBotRouter } from "./router.js";
import { type BotWebhookOptions, type BotWebhooks, createBotWebhooks } from "./webhooks.js";

export interface Bots {
  readonly registry: BotRegistry;
  readonly router: BotRouter;
  readonly inboundIqs: InboundIqs;
  /** Keeps a message a bot sent (with a body) in its history; never throws. */
  recordOutgoing(stanza: Element): void;
  /** Admin: delivers a bot's dead letter again (its stream says which bot). */
  retryDelivery(bot: string, id: string): ReturnType<BotWebhooks["retry"]>;
  stop(drainTimeoutMs: number): Promise<void>;
}

export interface BotsOptions {
  readonly config: WebhookConfig &
    Pick<Config, "callbackConcurrency" | "tokens" | "bots" | "iqTimeoutMs" | "maxPendingIq">;
  readonly store: BotStore &
    Pick<HistoryStore, "appendHistory"> &
    Pick<EventLog, "append"> &
    BotWebhookOptions["store"];
  readonly link: Pick<Link, "send">;
  readonly log: Logger;
}

/** Bots: the registry, inbound routing, iqs waiting for pulling bots, per-bot webhooks, history. */
export async function createBots({ config, store, link, log }: BotsOptions): Promise<Bots> {
  const registry = createBotRegistry({
    domain: config.domain,
    adminTokens: config.tokens,
    configured: config.bots,
    store,
    log,
  });
  await registry.load();
  const inboundIqs = createInboundIqs({
    link,
    timeoutMs: config.iqTimeoutMs,
    maxPending: config.maxPendingIq,
    log,
  });
  const webhooks = createBotWebhooks({ config, registry, link, log, store });
  webhooks.start(
    registry
      .list()
      .filter((bot) => bot.webhook)
      .map((bot) => bot.name),
  );
  const router = createBotRouter({ registry, store, link, iqs: inboundIqs, webhooks, log });

  return {
    registry,
    router,
    inboundIqs,
    recordOutgoing(stanza) {
      try {
        const bot = botOfAddress(registry, stanza.attrs.from ?? "");
        const entry = bot && historyEntry(stanza, ownerId(botOwner(bot.name)), "out", Date.now());
        if (!entry) return;
        store.appendHistory(entry).catch((err: unknown) => {
          log.error("history not recorded", { bot: bot.name, err });
        });
      } catch (err) {
        log.error("history not recorded", { err });
      }
    },
    retryDelivery: (bot, id) => webhooks.retry(bot, id),
    async stop(drainTimeoutMs) {
      inboundIqs.clear();
      await webhooks.stop(drainTimeoutMs);
    },
  };
}
