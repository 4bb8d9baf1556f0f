import type { Element } from "@xmpp/xml";
import { StanzaError } from "../stanza/errors.js";
import { normaliseJid } from "../stanza/jid.js";

/**
 * Error replies to messages the bridge sent itself (RFC 6120 §8.3.1: an error stanza
 * carries the id of the stanza it answers). A message has no result to wait for, so a
 * caller watches its id for a while; an error from the addressee with that id is the
 * refusal. Only watched ids are taken: every other stanza keeps its way to bots and webhooks.
 */
export interface Bounces {
  /** Starts watching: `refused` resolves with the addressee's error for message `id`. */
  watch(id: string, from: string): BounceWatch;
  /** Offers an inbound stanza; true when a watcher took it. */
  handle(stanza: Element): boolean;
}

export interface BounceWatch {
  readonly refused: Promise<StanzaError>;
  /** Stops watching (always call it: an unanswered watch is never settled). */
  stop(): void;
}

interface Watcher {
  readonly from: string;
  readonly settle: (err: StanzaError) => void;
}

export function createBounces(): Bounces {
  const watching = new Map<string, Watcher>();
  return {
    watch(id, from) {
      let settle: (err: StanzaError) => void = () => {};
      const refused = new Promise<StanzaError>((resolve) => {
        settle = resolve;
      });
      watching.set(id, { from: normaliseJid(from) ?? from, settle });
      return { refused, stop: () => watching.delete(id) };
    },
    handle(stanza) {
      if (stanza.name !== "message" || stanza.attrs.type !== "error" || watching.size === 0) {
        return false;
      }
      const id = stanza.attrs.id;
      const watcher = id === undefined ? undefined : watching.get(id);
      // Only the addressee answers (as for iqs, RFC 6120 §8.2.3): a guessed id from elsewhere is ignored.
      if (!watcher || normaliseJid(stanza.attrs.from ?? "") !== watcher.from) return false;
      watching.delete(id as string);
      watcher.settle(
        StanzaError.fromElement(stanza) ??
          new StanzaError("cancel", "undefined-condition", { text: `${watcher.from} refused it` }),
      );
      return true;
    },
  };
}
