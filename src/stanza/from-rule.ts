/**
 * Which `from` a connection may send (RFC 6120 §8.1.2.1: the server stamps or checks it, and
 * closes the stream over a stanza it refuses): the component's domain, or an account's own JID.
 * A strategy of each connection (DESIGN, "Connections"); the way out checks it before anything
 * is sent, and the connection again before it writes.
 */
export interface FromRule {
  /** The `from` a stanza without one is given. */
  readonly defaultFrom: string;
  allows(from: string | undefined): boolean;
  /** What `from` may be, for error texts ("rest.example.org or an address at it"). */
  readonly describe: string;
}
