import { randomUUID } from "node:crypto";
import xml, { type Element } from "@xmpp/xml";
import { type StanzaError, timedOut } from "../stanza/errors.js";
import { NS } from "../stanza/ns.js";

/**
 * Barriers: a component link has no acknowledgements (XEP-0114 has no XEP-0198), so "the
 * server has taken everything written before" is learnt from a round trip: an iq the
 * component addresses to its own domain goes through the server and back to it, after every
 * stanza written before it on the same stream (the server handles a stream's stanzas in
 * order, RFC 6120 §10.1). Only barriers this connection sent are taken: nothing else sent to
 * the domain is touched.
 */
export interface Barriers {
  /** The stanza to write (from and to the domain), and the wait for it to come back. */
  create(domain: string, timeoutMs: number): Barrier;
  /**
   * Offers an inbound stanza; true when it is a barrier coming back (ours, or one another
   * process sent before the link changed hands), which nothing else should see.
   */
  handle(stanza: Element): boolean;
  /** Fails every barrier waiting (the stream dropped: they will not come back). */
  failAll(err: StanzaError): void;
}

export interface Barrier {
  readonly stanza: Element;
  readonly passed: Promise<void>;
  /** Stops waiting (the stanza could not be written). */
  cancel(err: StanzaError): void;
}

const PREFIX = "xr-barrier-";

export function createBarriers(): Barriers {
  const waiting = new Map<string, { settle: (err?: StanzaError) => void; domain: string }>();
  return {
    create(domain, timeoutMs) {
      const id = `${PREFIX}${randomUUID()}`;
      let settle: (err?: StanzaError) => void = () => {};
      const passed = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => settle(timedOut(`the server did not route a barrier back within ${timeoutMs} ms`)),
          timeoutMs,
        );
        settle = (err) => {
          clearTimeout(timer);
          waiting.delete(id);
          if (err) reject(err);
          else resolve();
        };
      });
      // A barrier nobody awaits any more (its caller gave up) must not reject unheard.
      passed.catch(() => {});
      waiting.set(id, { settle, domain });
      const stanza = xml(
        "iq",
        { type: "get", id, from: domain, to: domain },
        xml("ping", { xmlns: NS.ping }),
      );
      return { stanza, passed, cancel: (err) => settle(err) };
    },
    handle(stanza) {
      if (stanza.name !== "iq" || waiting.size === 0) return false;
      const id = stanza.attrs.id;
      if (id === undefined || !id.startsWith(PREFIX)) return false;
      const entry = waiting.get(id);
      if (entry && stanza.attrs.from === entry.domain) {
        // Ours, from our own domain (the server routed it back, or answered it itself).
        entry.settle();
        return true;
      }
      // Another process's barrier on a link that changed hands: nobody else's business.
      return stanza.attrs.from !== undefined && stanza.attrs.from === stanza.attrs.to;
    },
    failAll(err) {
      for (const entry of [...waiting.values()]) entry.settle(err);
    },
  };
}
