import type { Element } from "@xmpp/xml";
import { type Link, type LinkState, linkDownError } from "../../src/xmpp/link.js";

/**
 * An in-memory component link for in-process app tests and micro-benchmarks: online until a
 * test sets `state`, refuses to send (503, as the real link) while not online, and hands
 * every stanza it sends to `onSend`.
 */
export function fakeLink(
  domain: string,
  onSend: (stanza: Element) => void = () => {},
): Link & { state: LinkState } {
  const link: Link & { state: LinkState } = {
    state: "online",
    domain,
    drops: 0,
    retryAfterSeconds: () => 1,
    start() {},
    async stop() {},
    async send(stanza) {
      if (link.state !== "online") throw linkDownError(1);
      onSend(stanza);
    },
    onStanza: () => () => {},
    onStateChange: () => () => {},
    waitOnline: async () => {},
  };
  return link;
}
