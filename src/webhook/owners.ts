import type { Element } from "@xmpp/xml";
import { type MediaType, mediaTypeOf } from "../formats/negotiate.js";
import type { Logger } from "../log.js";
import type { Metrics } from "../metrics.js";
import { describeOwner, type Owner, ownerId } from "../owner.js";
import type { Jid } from "../stanza/jid.js";
import { STANZA_KIND_LIST } from "../stanza/kinds.js";
import type { BotWebhook } from "../store/bots.js";
import type { Link } from "../xmpp/link.js";
import type { DispatcherOptions } from "./dispatcher.js";
import { createWebhook, type RetryResult, type Webhook } from "./index.js";
import type { WebhookScope } from "./scope.js";
import type { WebhookSettings } from "./settings.js";

export interface OwnerWebhooks {
  /** Hands a stanza to the owner's own webhook (the owner must have one). */
  handle(owner: Owner, stanza: Element, to: Jid): void;
  /** Admin: delivers one of the owner's dead letters again (see /v1/deliveries). */
  retry(owner: Owner, id: string): Promise<RetryResult>;
  /** Starts the webhooks of these owners now, so what the last run left is delivered. */
  start(owners: readonly Owner[]): void;
  /** These owners' webhooks claim their backlog again (another process that held some is gone). */
  rescan(owners: readonly Owner[]): void;
  stop(drainTimeoutMs: number): Promise<void>;
}

export interface OwnerWebhookOptions {
  /** The global callback's settings, which each owner's webhook starts from. */
  readonly config: WebhookSettings;
  /** The owner's webhook settings now; undefined: it has none (or no longer exists). */
  readonly webhookOf: (owner: Owner) => BotWebhook | undefined;
  /** Called with each owner created, changed or deleted. */
  readonly onChange: (listener: (owner: Owner) => void) => () => void;
  /** Whose addresses the owner's webhook serves; undefined: the component's domain. */
  readonly scopeOf?: (owner: Owner) => WebhookScope | undefined;
  /** Where the owner's webhook replies are sent (the component link, an account's session). */
  readonly linkFor: (owner: Owner) => Pick<Link, "send">;
  readonly log: Logger;
  readonly store: DispatcherOptions["store"];
  /** Each owner's calls are counted with its owner id. */
  readonly metrics?: Pick<Metrics, "webhookDeliveries">;
  /** Takes an answer the owner's webhook gave itself (a command step, commands/) before the reply rules. */
  readonly interceptFor?: (owner: Owner) => DispatcherOptions["intercept"];
}

/**
 * One durable webhook dispatcher per owner (bot or account) that has a callback URL,
 * delivering the owner's stream (retries, order, dead letters as for the global callback),
 * with the owner's settings over the global ones (timeouts, retries, concurrency, size limits
 * stay global). Made at start for every webhook owner, so a backlog left by the last run is
 * delivered; an owner changed or deleted gets a new one, and the old one finishes what it
 * has in flight: the new one starts once the old one has stopped and given its claims back,
 * so the two never hold one conversation at once.
 */
export function createOwnerWebhooks(options: OwnerWebhookOptions): OwnerWebhooks {
  const { config, log, store, metrics } = options;
  const hooks = new Map<string, Webhook>();
  // By owner id: an owner's next webhook starts once the last one has stopped.
  const retiring = new Map<string, Promise<void>>();

  const retire = (owner: Owner) => {
    const key = ownerId(owner);
    const hook = hooks.get(key);
    if (!hook) return;
    hooks.delete(key);
    const done = hook.stop(config.callbackTimeoutMs).finally(() => {
      if (retiring.get(key) === done) retiring.delete(key);
    });
    retiring.set(key, done);
  };
  options.onChange(retire);

  const hookFor = (owner: Owner): Webhook | undefined => {
    const key = ownerId(owner);
    const existing = hooks.get(key);
    if (existing) return existing;
    const webhook = options.webhookOf(owner);
    if (!webhook) return undefined;
    const contentType: MediaType = mediaTypeOf(webhook.contentType) ?? config.callbackContentType;
    const hook = createWebhook({
      config: {
        ...config,
        callbackUrl: webhook.url,
        callbackSecret: webhook.secret,
        callbackToken: webhook.token,
        callbackContentType: contentType,
        // An owner's webhook sees everything addressed to the owner.
        callbackStanzas: STANZA_KIND_LIST,
        callbackEvents: ["bare", "full"],
        scope: options.scopeOf?.(owner),
      },
      link: options.linkFor(owner),
      log,
      store,
      stream: key,
      owner: key,
      metrics,
      intercept: options.interceptFor?.(owner),
    });
    hooks.set(key, hook);
    (retiring.get(key) ?? Promise.resolve())
      .then(() => hook.start())
      .catch((err: unknown) =>
        log.error("owner webhook did not start", { owner: describeOwner(owner), err }),
      );
    return hook;
  };

  return {
    handle(owner, stanza, to) {
      hookFor(owner)?.handle(stanza, to);
    },
    async retry(owner, id) {
      const hook = hookFor(owner);
      return hook ? hook.retry(id) : { status: "unknown" };
    },
    start(owners) {
      for (const owner of owners) hookFor(owner);
    },
    rescan(owners) {
      for (const owner of owners) hookFor(owner)?.rescan();
    },
    async stop(drainTimeoutMs) {
      const stopping = [...hooks.values()].map((hook) => hook.stop(drainTimeoutMs));
      hooks.clear();
      await Promise.allSettled([...stopping, ...retiring.values()]);
    },
  };
}
