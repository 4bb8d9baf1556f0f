import type { Element } from "@xmpp/xml";
import { serializeStanza } from "../formats/xml.js";
import type { Logger } from "../log.js";
import { botOwner, ownerId } from "../owner.js";
import { StanzaError } from "../stanza/errors.js";
import { jidToString, normaliseJid, parseJid } from "../stanza/jid.js";
import { isStanzaKind } from "../stanza/kinds.js";
import type { EventLog } from "../store/events.js";
import type { HistoryStore } from "../store/history.js";
import { allowsReply, errorReply } from "../webhook/reply.js";
import type { Link } from "../xmpp/link.js";
import { automaticAnswer } from "./auto-answer.js";
import { historyEntry } from "./history.js";
import type { InboundIqs } from "./iq-answers.js";
import type { BotRegistry } from "./registry.js";
import type { BotWebhooks } from "./webhooks.js";

export interface BotRouter {
  /**
   * Takes an inbound stanza addressed to a bot (any resource) and returns true;
   * returns false for anything else (the bare domain, unknown names), which
   * keeps today's path to the global callback. Never throws. `history: false` keeps a
   * message out of the bot's one-to-one history (room messages have their own).
   */
  handle(stanza: Element, options?: { readonly history?: boolean }): boolean;
}

export interface BotRouterOptions {
  readonly registry: Pick<BotRegistry, "forAddress">;
  readonly store: Pick<EventLog, "append"> & Pick<HistoryStore, "appendHistory">;
  readonly link: Pick<Link, "send">;
  readonly iqs: Pick<InboundIqs, "track">;
  readonly webhooks: Pick<BotWebhooks, "handle">;
  readonly log: Logger;
  readonly now?: () => Date;
}

const isRequest = (stanza: Element) =>
  stanza.name === "iq" && (stanza.attrs.type === "get" || stanza.attrs.type === "set");

/**
 * Inbound routing (DESIGN: "route (bot? room? iq tracker?) -> store"): a stanza
 * to a bot's address goes to that bot, to its webhook if it has one, otherwise
 * to its event log for pulling. disco#info and ping are answered by the bridge.
 */
export function createBotRouter(options: BotRouterOptions): BotRouter {
  const { registry, store, link, iqs, webhooks, log } = options;
  const now = options.now ?? (() => new Date());

  const send = (reply: Element) => {
    link.send(reply).catch((err: unknown) => log.warn("reply to a bot's stanza not sent", { err }));
  };

  const refuse = (stanza: Element, error: StanzaError) => {
    if (!allowsReply(stanza)) return;
    const reply = errorReply(stanza, error);
    if (reply) send(reply);
  };

  const record = (stanza: Element, bot: string, time: Date) => {
    const entry = historyEntry(stanza, ownerId(botOwner(bot)), "in", time.getTime());
    if (!entry) return;
    store.appendHistory(entry).catch((err: unknown) => {
      log.error("history not recorded", { bot, err });
    });
  };

  const pull = async (stanza: Element, bot: string) => {
    if (!isStanzaKind(stanza.name)) return;
    if (isRequest(stanza) && !iqs.track(stanza, bot)) {
      refuse(stanza, new StanzaError("wait", "resource-constraint", { text: "too many iqs wait" }));
      return;
    }
    try {
      await store.append({
        stream: ownerId(botOwner(bot)),
        kind: stanza.name,
        stanza: serializeStanza(stanza),
      });
    } catch (err) {
      log.error("event not stored", { bot, err });
      refuse(
        stanza,
        new StanzaError("wait", "resource-constraint", { text: "the bot cannot take it now" }),
      );
    }
  };

  return {
    handle(stanza, options = {}) {
      try {
        const to = parseJid(stanza.attrs.to ?? "");
        const bot = to && registry.forAddress(to);
        if (!to || !bot) return false;
        // Replies are addressed from the inbound `to`, which the server compares byte for
        // byte with our domain (XEP-0114 §3): normalise before anything uses it.
        stanza.attrs.to = jidToString(to);
        const from = normaliseJid(stanza.attrs.from ?? "");
        if (!from) {
          log.warn("stanza to a bot without a usable from dropped", { bot: bot.name });
          return true;
        }
        stanza.attrs.from = from;
        const answer = automaticAnswer(stanza, bot.name);
        if (answer) {
          send(answer);
          return true;
        }
        const time = now();
        if (options.history !== false) record(stanza, bot.name, time);
        if (bot.webhook) webhooks.handle(bot.name, stanza);
        else void pull(stanza, bot.name);
        return true;
      } catch (err) {
        log.error("bot routing failed", { err });
        return true;
      }
    },
  };
}
