import xml, { type Element } from "@xmpp/xml";
import type { Logger } from "../log.js";
import { timedOut, unprocessable } from "../stanza/errors.js";
import { normaliseJid } from "../stanza/jid.js";
import type { Link } from "../xmpp/link.js";

interface Waiting {
  /** The address the iq was sent to (the bot, any resource): the answer comes from it. */
  readonly to: string;
  readonly timer: NodeJS.Timeout;
}

export interface InboundIqs {
  readonly size: number;
  /**
   * Remembers an iq get/set a pulling bot received, and answers it
   * wait/remote-server-timeout when the bot has not within the timeout. False
   * when too many already wait (the caller refuses the iq).
   */
  track(iq: Element, bot: string): boolean;
  /**
   * Checks a bot's iq result or error against what it received: allowed only
   * for an iq addressed to that bot, from the answer's `to`, with its id, not yet
   * answered (RFC 6120 §8.2.3: exactly one answer). Returns the answer with
   * `from` set to the address the iq was sent to; throws a 422 otherwise.
   */
  claim(answer: Element, bot: string): Element;
  /** Forgets everything waiting (shutdown); nothing is sent. */
  clear(): void;
}

export interface InboundIqOptions {
  readonly link: Pick<Link, "send">;
  readonly timeoutMs: number;
  readonly maxPending: number;
  readonly log: Logger;
}

const keyOf = (bot: string, requester: string, id: string) => `${bot}\n${requester}\n${id}`;

export function createInboundIqs({
  link,
  timeoutMs,
  maxPending,
  log,
}: InboundIqOptions): InboundIqs {
  const waiting = new Map<string, Waiting>();

  const timeOut = (key: string, iq: Element) => {
    if (!waiting.delete(key)) return;
    const { from = "", to = "", id = "" } = iq.attrs;
    const error = timedOut(`the bot did not answer within ${timeoutMs / 1000}s`);
    const reply = xml("iq", { type: "error", from: to, to: from, id }, error.toElement());
    link.send(reply).catch((err: unknown) => log.warn("iq timeout answer not sent", { err }));
  };

  return {
    get size() {
      return waiting.size;
    },
    track(iq, bot) {
      const { from, to, id } = iq.attrs;
      if (!from || !to || id === undefined) return true;
      const key = keyOf(bot, from, id);
      if (waiting.has(key)) return true;
      if (waiting.size >= maxPending) return false;
      const timer = setTimeout(() => timeOut(key, iq), timeoutMs);
      timer.unref();
      waiting.set(key, { to, timer });
      return true;
    },
    claim(answer, bot) {
      const { type, id = "" } = answer.attrs;
      const requester = normaliseJid(answer.attrs.to ?? "") ?? "";
      const key = keyOf(bot, requester, id);
      const entry = waiting.get(key);
      if (!entry) {
        throw unprocessable(
          `an iq of type ${type} answers an iq: no unanswered iq with id '${id}' from ${requester || "that address"} to this bot`,
          "unexpected-request",
        );
      }
      waiting.delete(key);
      clearTimeout(entry.timer);
      answer.attrs.from = entry.to;
      return answer;
    },
    clear() {
      for (const entry of waiting.values()) clearTimeout(entry.timer);
      waiting.clear();
    },
  };
}
