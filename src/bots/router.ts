import type { Element } from "@xmpp/xml";
import type { Commands } from "../commands/index.js";
import { serializeStanza } from "../formats/xml.js";
import type { Logger } from "../log.js";
import { botOwner, ownerId } from "../owner.js";
import { busy, type StanzaError } from "../stanza/errors.js";
import type { Jid } from "../stanza/jid.js";
import { isStanzaKind } from "../stanza/kinds.js";
import type { EventLog } from "../store/events.js";
import type { HistoryStore } from "../store/history.js";
import { allowsReply, errorReply } from "../webhook/reply.js";
import type { Link } from "../xmpp/link.js";
import { automaticAnswer } from "./auto-answer.js";
import { recordHistory } from "./history.js";
import type { InboundIqs } from "./iq-answers.js";
import type { Bot } from "./registry.js";
import type { BotWebhooks } from "./webhooks.js";

export interface BotRouter {
  /**
   * Takes an inbound stanza addressed to a bot (any resource), its addresses normalised by
   * the inbound router: answered by the bridge, or to the bot's webhook, or to its event log
   * for pulling. Never throws. `history: false` keeps a message out of the bot's one-to-one
   * history (room messages have their own).
   */
  deliver(bot: Bot, stanza: Element, to: Jid, options: { readonly history: boolean }): void;
}

export interface BotRouterOptions {
  readonly store: Pick<EventLog, "append"> & Pick<HistoryStore, "appendHistory" | "amendHistory">;
  readonly link: Pick<Link, "send">;
  readonly iqs: Pick<InboundIqs, "track">;
  readonly webhooks: Pick<BotWebhooks, "handle">;
  /** The bots' command menus (XEP-0050): the list, sessions, steps. */
  readonly commands: Pick<Commands, "take">;
  readonly log: Logger;
  readonly now?: () => Date;
}

const isRequest = (stanza: Element) =>
  stanza.name === "iq" && (stanza.attrs.type === "get" || stanza.attrs.type === "set");

/**
 * A stanza to a bot's address goes to that bot: to its webhook if it has one, otherwise to
 * its event log for pulling. disco#info and ping are answered by the bridge.
 */
export function createBotRouter(options: BotRouterOptions): BotRouter {
  const { store, link, iqs, webhooks, commands, log } = options;
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
    recordHistory(store, stanza, ownerId(botOwner(bot)), "in", time.getTime()).catch(
      (err: unknown) => log.error("history not recorded", { bot, err }),
    );
  };

  /** `tracked`: an iq the bot answers with POST /rest (a command step is answered its own way). */
  const pull = async (stanza: Element, bot: string, tracked: boolean) => {
    if (!isStanzaKind(stanza.name)) return;
    if (tracked && isRequest(stanza) && !iqs.track(stanza, bot)) {
      refuse(stanza, busy("too many iqs wait"));
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
      refuse(stanza, busy("the bot cannot take it now"));
    }
  };

  return {
    deliver(bot, stanza, to, options) {
      try {
        const step = commands.take(botOwner(bot.name), stanza);
        if (step === "answered") return;
        const answer = automaticAnswer(stanza, bot.name);
        if (answer) {
          send(answer);
          return;
        }
        const time = now();
        if (options.history) record(stanza, bot.name, time);
        if (bot.webhook) webhooks.handle(bot.name, stanza, to);
        else void pull(stanza, bot.name, step !== "deliver");
      } catch (err) {
        log.error("bot routing failed", { err });
      }
    },
  };
}
