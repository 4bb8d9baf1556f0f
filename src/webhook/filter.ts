import type { Element } from "@xmpp/xml";
import { addressForm, type Jid, parseJid } from "../stanza/jid.js";
import { domainScope, type WebhookScope } from "./scope.js";

export interface FilterRules {
  /** The component's domain: only stanzas to it or JIDs at it are forwarded. */
  readonly domain: string;
  /** Whose webhook it is when not the domain's (an account's). */
  readonly scope?: WebhookScope | undefined;
  readonly stanzas: readonly string[];
  readonly events: readonly string[];
}

/**
 * mod_rest's callback filter: by stanza kind, and by the form of the `to`
 * address (host = the domain, bare = user@domain, full = user@domain/resource);
 * and the loop rule: nothing the bridge itself sent (from its own domain) is forwarded.
 * `parsedTo` is the stanza's `to` when the caller has parsed it already.
 */
export function shouldForward(
  stanza: Element,
  rules: FilterRules,
  parsedTo: Jid | undefined = parseJid(stanza.attrs.to ?? ""),
): boolean {
  if (!rules.stanzas.includes(stanza.name)) return false;
  const scope = rules.scope ?? domainScope(rules.domain);
  if (scope.isOwn(stanza.attrs.from)) return false;
  const to = parsedTo;
  if (!to || !scope.serves(to)) return false;
  return rules.events.includes(addressForm(to));
}

/** RFC 6120 §8.2.3: an iq get or set must be answered, forwarded or not. */
export function needsAnswer(stanza: Element): boolean {
  return stanza.name === "iq" && (stanza.attrs.type === "get" || stanza.attrs.type === "set");
}
