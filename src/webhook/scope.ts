/**
 * Whose webhook it is, as the filter, the loop rule and the reply rules see it: the component's
 * domain (the global callback and the bots: every address at the domain, XEP-0114 §3), or an
 * account's own JID (its session receives for it alone, and may only speak as it).
 */
import { bareJid, type Jid, jidToString, parseJid } from "../stanza/jid.js";
import { isOwnAddress } from "./loop.js";

export interface WebhookScope {
  /** Whether a stanza to this address is for this webhook. */
  serves(to: Jid): boolean;
  /** The loop rule: a stanza from this address was sent by the bridge (loop.ts). */
  isOwn(from: string | undefined): boolean;
  /** Whether a webhook's reply may claim this `from`. */
  mayClaim(from: string): boolean;
  /** Where a reply comes from when the inbound stanza had no `to`. */
  readonly address: string;
  /** For error texts. */
  readonly describe: string;
}

export function domainScope(domain: string): WebhookScope {
  return {
    serves: (to) => to.domain === domain,
    isOwn: (from) => isOwnAddress(from, domain),
    mayClaim: (from) => parseJid(from)?.domain === domain,
    address: domain,
    describe: domain,
  };
}

/**
 * An account's: stanzas to its JID (any resource); the loop rule covers what the account
 * itself sent (its own JID, e.g. the carbons of its other clients), never its domain, where
 * its contacts may well live.
 */
export function accountScope(jid: string): WebhookScope {
  const bare = (address: string | undefined) => {
    const parsed = parseJid(address ?? "");
    return parsed && jidToString(bareJid(parsed));
  };
  return {
    serves: (to) => jidToString(bareJid(to)) === jid,
    isOwn: (from) => bare(from) === jid,
    mayClaim: (from) => bare(from) === jid,
    address: jid,
    describe: jid,
  };
}
