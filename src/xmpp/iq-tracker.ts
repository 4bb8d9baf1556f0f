import type { Element } from "@xmpp/xml";
import { StanzaError } from "../stanza/errors.js";
import { normaliseJid } from "../stanza/jid.js";

interface Pending {
  readonly responder: string;
  readonly resolve: (reply: Element) => void;
  readonly reject: (err: StanzaError) => void;
  readonly timer: NodeJS.Timeout;
}

export interface IqTracker {
  readonly size: number;
  /**
   * Waits for the reply to an iq about to be sent. Throws at once, before
   * anything is sent, when maxPending iqs already wait (503) or the id is
   * already waiting (409); never evicts an earlier request to make room.
   */
  expect(id: string, responder: string, timeoutMs: number): Promise<Element>;
  /** Drops a waiter whose iq could not be sent. */
  cancel(id: string, err: StanzaError): void;
  /** Offers an inbound stanza; true when it was the reply a waiter expected. */
  handle(stanza: Element): boolean;
  /** Fails every waiter, e.g. when the link to the server drops. */
  failAll(err: StanzaError): void;
}

export function createIqTracker({ maxPending }: { maxPending: number }): IqTracker {
  const pending = new Map<string, Pending>();

  const settle = (id: string) => {
    const entry = pending.get(id);
    if (!entry) return undefined;
    pending.delete(id);
    clearTimeout(entry.timer);
    return entry;
  };

  return {
    get size() {
      return pending.size;
    },
    expect(id, responder, timeoutMs) {
      if (pending.has(id)) {
        throw new StanzaError(
          "cancel",
          "conflict",
          `an iq with id '${id}' is already waiting`,
          409,
        );
      }
      if (pending.size >= maxPending) {
        throw new StanzaError(
          "wait",
          "resource-constraint",
          `${maxPending} iqs already waiting`,
          503,
        );
      }
      return new Promise<Element>((resolve, reject) => {
        const timer = setTimeout(() => {
          settle(id);
          reject(
            new StanzaError(
              "wait",
              "remote-server-timeout",
              `no reply from ${responder} within ${timeoutMs / 1000}s`,
              504,
            ),
          );
        }, timeoutMs);
        pending.set(id, { responder, resolve, reject, timer });
      });
    },
    cancel(id, err) {
      settle(id)?.reject(err);
    },
    handle(stanza) {
      if (stanza.name !== "iq") return false;
      const { id, type, from } = stanza.attrs;
      if (id === undefined || (type !== "result" && type !== "error")) return false;
      const entry = pending.get(id);
      // RFC 6120 §8.2.3: only the addressee answers; a reply from elsewhere with a guessed id is ignored.
      if (!entry || normaliseJid(from ?? "") !== entry.responder) return false;
      settle(id)?.resolve(stanza);
      return true;
    },
    failAll(err) {
      for (const id of [...pending.keys()]) settle(id)?.reject(err);
    },
  };
}
