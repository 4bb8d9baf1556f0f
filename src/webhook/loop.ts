import { parseJid } from "../stanza/jid.js";

/**
 * The loop rule. The XMPP server lets a component send only from its own domain
 * (XEP-0114 §3), so a stanza that arrives *from* that domain was sent by this bridge: by an
 * HTTP client posting to an address at the bridge, or by a reply to one. Such a stanza is
 * never forwarded to the webhook, and no webhook reply is ever addressed to the bridge's own
 * domain; otherwise an echo bot answering itself would run forever. Errors the protocol owes
 * (an iq get/set is always answered, RFC 6120 §8.2.3) are still sent: an error is never
 * answered (§8.3.1), so they end the exchange.
 */
export function isOwnAddress(address: string | undefined, domain: string): boolean {
  if (address === undefined || address === "") return false;
  return parseJid(address)?.domain === domain;
}
