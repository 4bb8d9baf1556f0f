import type { Element } from "@xmpp/xml";
import { type Commands, createCommands } from "../commands/index.js";
import type { Logger } from "../log.js";
import type { Metrics } from "../metrics.js";
import { botOwner, ownerId } from "../owner.js";
import type { BotStore } from "../store/bots.js";
import type { CommandStore } from "../store/commands.js";
import type { EventLog } from "../store/events.js";
import type { HistoryStore } from "../store/history.js";
import type { WebhookSettings } from "../webhook/settings.js";
import type { Link } from "../xmpp/link.js";
import { recordHistory } from "./history.js";
import type { BotSettings } from "./input.js";
import { createInboundIqs, type InboundIqs } from "./iq-answers.js";
import { type BotRegistry, createBotRegistry } from "./registry.js";
import { type BotRouter, createBotRouter } from "./router.js";
import { type BotWebhookOptions, type BotWebhooks, createBotWebhooks } from "./webhooks.js";

export interface Bots {
  readonly registry: BotRegistry;
  /** The bots' command menus (XEP-0050). */
  readonly commands: Commands;
  readonly router: BotRouter;
  readonly inboundIqs: InboundIqs;
  /** Keeps a message a bot sent (with a body) in its history; never throws. */
  recordOutgoing(bot: string, stanza: Element): void;
  /** Admin: delivers a bot's dead letter again (its stream says which bot). */
  retryDelivery(bot: string, id: string): ReturnType<BotWebhooks["retry"]>;
  /** Every webhook bot claims its backlog again (another process that held some is gone). */
  rescan(): void;
  stop(drainTimeoutMs: number): Promise<void>;
}

/** What bots read of the configuration; the global callback's settings start each bot's webhook. */
export interface BotsSettings extends WebhookSettings {
  /** The admin tokens (XMPP_REST_TOKENS), authenticated beside the bots' own. */
  readonly tokens: readonly string[];
  /** Bots from the config file, by name as written there. */
  readonly bots: Readonly<Record<string, BotSettings>>;
  /** How long an inbound iq waits for a pulling bot's answer. */
  readonly iqTimeoutMs: number;
  /** Inbound iqs that may wait for pulling bots at once. */
  readonly maxPendingIq: number;
}

export interface BotsOptions {
  readonly config: BotsSettings;
  readonly store: BotStore &
    CommandStore &
    Pick<HistoryStore, "appendHistory" | "amendHistory"> &
    Pick<EventLog, "append"> &
    BotWebhookOptions["store"];
  readonly link: Pick<Link, "send">;
  readonly log: Logger;
  /** Counts each bot's webhook calls (under `bot:<name>`). */
  readonly metrics?: Pick<Metrics, "webhookDeliveries">;
}

/** Bots: the registry, inbound routing, iqs waiting for pulling bots, per-bot webhooks, history. */
export async function createBots(options: BotsOptions): Promise<Bots> {
  const { config, store, link, log, metrics } = options;
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
  const commands = createCommands({
    store,
    send: (stanza) => link.send(stanza),
    answerMs: config.iqTimeoutMs,
    log,
  });
  await commands.load();
  const webhooks = createBotWebhooks({ config, registry, link, log, store, metrics, commands });
  webhooks.start(
    registry
      .list()
      .filter((bot) => bot.webhook)
      .map((bot) => bot.name),
  );
  const router = createBotRouter({ store, link, iqs: inboundIqs, webhooks, commands, log });

  return {
    registry,
    commands,
    router,
    inboundIqs,
    recordOutgoing(bot, stanza) {
      try {
        recordHistory(store, stanza, ownerId(botOwner(bot)), "out", Date.now()).catch(
          (err: unknown) => log.error("history not recorded", { bot, err }),
        );
      } catch (err) {
        log.error("history not recorded", { err });
      }
    },
    retryDelivery: (bot, id) => webhooks.retry(bot, id),
    rescan() {
      webhooks.rescan(
        registry
          .list()
          .filter((bot) => bot.webhook)
          .map((bot) => bot.name),
      );
    },
    async stop(drainTimeoutMs) {
      inboundIqs.clear();
      commands.stop();
      await webhooks.stop(drainTimeoutMs);
    },
  };
}
