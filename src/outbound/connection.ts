import type { Element } from "@xmpp/xml";
import type { StanzaError } from "../stanza/errors.js";
import type { FromRule } from "../stanza/from-rule.js";

/** An iq's reply, with the messages that belong to it (XEP-0313 archive results). */
export interface IqAnswer {
  readonly reply: Element;
  readonly results: readonly Element[];
}

/** What the way out needs of the XMPP connection a principal's stanzas leave on. */
export interface OutboundConnection {
  readonly state: string;
  readonly fromRule: FromRule;
  /** The 503 to answer while the connection is not online (it says when to retry). */
  downError(): StanzaError;
  send(stanza: Element): Promise<void>;
  /** Sends an iq and waits for its reply on this connection (an error reply is a reply). */
  request(iq: Element, timeoutMs: number, options?: { mamQueryId?: string }): Promise<IqAnswer>;
}
