import type { Element } from "@xmpp/xml";
import { createBounces } from "../../src/xmpp/bounces.js";
import { componentFromRule } from "../../src/xmpp/component.js";
import { createIqTracker, type IqTracker } from "../../src/xmpp/iq-tracker.js";
import { type Link, type LinkState, linkDownError } from "../../src/xmpp/link.js";
import { requestIq } from "../../src/xmpp/request-iq.js";

/**
 * An in-memory component link for in-process app tests and micro-benchmarks: online until a
 * test sets `state`, refuses to send (503, as the real link) while not online, and hands
 * every stanza it sends to `onSend`. Its iq tracker is `iqs` when given (a test that answers
 * iqs itself passes the one it feeds).
 */
export function fakeLink(
  domain: string,
  onSend: (stanza: Element) => void = () => {},
  iqs: IqTracker = createIqTracker({ maxPending: 10_000 }),
): Link & { state: LinkState } {
  const link: Link & { state: LinkState } = {
    name: "component",
    state: "online",
    drops: 0,
    from: componentFromRule(domain),
    iqs,
    bounces: createBounces(),
    retryAfterSeconds: () => 1,
    start() {},
    async suspend() {},
    async stop() {},
    async barrier() {
      if (link.state !== "online") throw linkDownError(1);
    },
    async send(stanza) {
      if (link.state !== "online") throw linkDownError(1);
      onSend(stanza);
    },
    request: (iq, timeoutMs, options) => requestIq(link, iqs, iq, timeoutMs, options),
    onStanza: () => () => {},
    onStateChange: () => () => {},
    waitOnline: async () => {},
  };
  return link;
}
