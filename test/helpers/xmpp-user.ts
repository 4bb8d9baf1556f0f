import { client } from "@xmpp/client";
import xml, { type Element } from "@xmpp/xml";

export interface XmppUser {
  readonly jid: string;
  readonly received: Element[];
  send(stanza: Element): Promise<void>;
  /** Resolves with the first stanza (already received or arriving) that matches. */
  waitFor(match: (stanza: Element) => boolean, timeoutMs?: number, what?: string): Promise<Element>;
  stop(): Promise<void>;
}

/** A real XMPP client logged in as a user: the human side of the integration tests. */
export async function connectUser(options: {
  c2sPort: number;
  username: string;
  password: string;
  resource?: string;
}): Promise<XmppUser> {
  const xmpp = client({
    service: `xmpp://127.0.0.1:${options.c2sPort}`,
    domain: "localhost",
    username: options.username,
    password: options.password,
    resource: options.resource ?? "test",
  });
  xmpp.reconnect.stop();
  const received: Element[] = [];
  const waiters = new Set<(stanza: Element) => void>();
  xmpp.on("error", () => {});
  xmpp.on("stanza", (stanza: Element) => {
    received.push(stanza);
    for (const waiter of [...waiters]) waiter(stanza);
  });
  await xmpp.start();
  const jid = xmpp.jid?.toString() ?? "";
  // The server reflects initial presence to the sender (RFC 6121 §4.2.2); once it is
  // back, messages to the bare JID are routed to this resource.
  const available = new Promise<void>((resolve) => {
    const onPresence = (stanza: Element) => {
      if (stanza.name !== "presence" || stanza.attrs.from !== jid) return;
      waiters.delete(onPresence);
      resolve();
    };
    waiters.add(onPresence);
  });
  await xmpp.send(xml("presence"));
  await available;

  return {
    jid,
    received,
    send: (stanza) => xmpp.send(stanza),
    waitFor: stanzaWaiter(jid, received, waiters),
    async stop() {
      waiters.clear();
      await xmpp.stop().catch(() => {});
    },
  };
}

/**
 * A user's waitFor: the first stanza in `received` that matches, or the next one handed to
 * the `waiters` as it arrives; rejects naming `what` after the timeout.
 */
export function stanzaWaiter(
  jid: string,
  received: readonly Element[],
  waiters: Set<(stanza: Element) => void>,
): XmppUser["waitFor"] {
  return (match, timeoutMs = 10_000, what = "stanza") => {
    const already = received.find(match);
    if (already) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`${jid}: no matching ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (stanza: Element) => {
        if (!match(stanza)) return;
        clearTimeout(timer);
        waiters.delete(waiter);
        resolve(stanza);
      };
      waiters.add(waiter);
    });
  };
}
