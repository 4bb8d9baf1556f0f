import type { Jid } from "./jid.js";

/**
 * Which `from` a connection may send (a strategy of the connection, DESIGN "Connections"):
 * a component any address at its domain (XEP-0114 §3: the server closes the stream for any
 * other), an account only its own JID (RFC 6120 §8.1.2.1: the server stamps it anyway).
 */
export interface FromRule {
  /** `from` for a stanza that names none. */
  readonly defaultFrom: string;
  allows(from: Jid): boolean;
  /** What an error says is allowed: "rest.example.org or an address at it". */
  readonly allowed: string;
}

/** A component's rule: the domain itself or any address at it. */
export function componentFromRule(domain: string): FromRule {
  return {
    defaultFrom: domain,
    allows: (from) => from.domain === domain,
    allowed: `${domain} or an address at it`,
  };
}
