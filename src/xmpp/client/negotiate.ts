/**
 * Negotiating a client stream up to the point where stanzas flow (RFC 6120 §4.3, RFC 6121):
 * STARTTLS (§5; required unless the server is on loopback), SASL (§6), then either resuming
 * the previous session (XEP-0198 §5) or binding a resource (§7), the legacy session iq where
 * a server still requires it (RFC 3921 §3), and enabling stream management (XEP-0198 §3).
 */
import xml, { type Element } from "@xmpp/xml";
import { authenticate, type SaslCredentials, type SaslOutcome } from "./sasl.js";
import { NS_SM, type StreamManagement } from "./sm.js";
import { StreamFailure, type TlsSettings, type XmlStream } from "./stream.js";

const NS_TLS = "urn:ietf:params:xml:ns:xmpp-tls";
const NS_BIND = "urn:ietf:params:xml:ns:xmpp-bind";
const NS_SESSION = "urn:ietf:params:xml:ns:xmpp-session";
const NS_ROSTER_VER = "urn:xmpp:features:rosterver";
const NS_PRE_APPROVAL = "urn:xmpp:features:pre-approval";

export interface NegotiationOptions {
  readonly credentials: SaslCredentials;
  readonly resource: string;
  readonly tls: TlsSettings;
  /** A loopback server: no TLS needed, PLAIN allowed without it. */
  readonly loopback: boolean;
  /** Skip STARTTLS even where offered (loopback only, e.g. benchmarks). */
  readonly plaintext: boolean;
  readonly timeoutMs: number;
  readonly sm: StreamManagement;
}

/** What the server's stream features offer the session beyond the negotiation itself. */
export interface StreamOffers {
  /** RFC 6121 §2.6.1 roster versioning (XEP-0237). */
  readonly rosterVersioning: boolean;
  /** RFC 6121 §3.4.1 subscription pre-approval. */
  readonly preApproval: boolean;
}

export const NO_OFFERS: StreamOffers = { rosterVersioning: false, preApproval: false };

export interface Negotiated {
  /** The full JID the server bound. */
  readonly jid: string;
  /** The previous session was resumed: the server replays what it held, presence stays. */
  readonly resumed: boolean;
  readonly sasl: SaslOutcome;
  /** Whether the server offered XEP-0198 on this stream. */
  readonly streamManagement: boolean;
  readonly offers: StreamOffers;
  /** Elements that arrived during negotiation and belong to the session. */
  readonly early: readonly Element[];
  /**
   * What was sent on the previous stream and never acknowledged (XEP-0198): resumed, to send
   * again as it was; otherwise what a new session may send again.
   */
  readonly unacknowledged: readonly string[];
}

/** The next element that matches; others are kept for the session (in order). */
async function expect(
  stream: XmlStream,
  timeoutMs: number,
  early: Element[],
  match: (el: Element) => boolean,
): Promise<Element> {
  for (;;) {
    const el = await stream.next(timeoutMs);
    if (match(el)) return el;
    early.push(el);
  }
}

export async function negotiate(
  stream: XmlStream,
  options: NegotiationOptions,
  previousJid: string | undefined,
): Promise<Negotiated> {
  const { timeoutMs, sm } = options;
  let features = await stream.open();

  if (!stream.secure && !options.plaintext) {
    if (features.getChild("starttls", NS_TLS)) {
      stream.send(xml("starttls", { xmlns: NS_TLS }));
      const answer = await stream.next(timeoutMs);
      if (answer.name !== "proceed") {
        throw new StreamFailure("tls", "the server refused STARTTLS");
      }
      await stream.startTls(options.tls);
      features = await stream.open();
    } else if (!options.loopback) {
      throw new StreamFailure("tls", "the server does not offer STARTTLS, and TLS is required");
    }
  }

  const sasl = await authenticate(
    stream,
    features,
    options.credentials,
    stream.secure || options.loopback,
    timeoutMs,
  );
  features = await stream.open();
  const early: Element[] = [];
  const offersSm = features.getChild("sm", NS_SM) !== undefined;
  const offers: StreamOffers = {
    rosterVersioning: features.getChild("ver", NS_ROSTER_VER) !== undefined,
    preApproval: features.getChild("sub", NS_PRE_APPROVAL) !== undefined,
  };

  const resume = offersSm ? sm.resumeRequest() : undefined;
  if (resume && previousJid) {
    stream.send(resume);
    const answer = await expect(stream, timeoutMs, early, (el) => el.attrs.xmlns === NS_SM);
    if (answer.name === "resumed") {
      const unacknowledged = sm.resumed(Number(answer.attrs.h) >>> 0);
      return {
        jid: previousJid,
        resumed: true,
        sasl,
        streamManagement: true,
        offers,
        early,
        unacknowledged,
      };
    }
  }

  const unacknowledged = sm.reset();
  const jid = await bind(stream, options.resource, timeoutMs, early);
  const session = features.getChild("session", NS_SESSION);
  if (session && !session.getChild("optional")) {
    await iq(stream, "sess", xml("session", { xmlns: NS_SESSION }), timeoutMs, early);
  }
  if (offersSm) {
    stream.send(xml("enable", { xmlns: NS_SM, resume: "true" }));
    const answer = await expect(stream, timeoutMs, early, (el) => el.attrs.xmlns === NS_SM);
    if (answer.name === "enabled") {
      sm.started(answer.attrs.id, answer.attrs.resume === "true" || answer.attrs.resume === "1");
    }
  }
  return { jid, resumed: false, sasl, streamManagement: offersSm, offers, early, unacknowledged };
}

async function iq(
  stream: XmlStream,
  id: string,
  payload: Element,
  timeoutMs: number,
  early: Element[],
): Promise<Element> {
  stream.send(xml("iq", { type: "set", id }, payload));
  const reply = await expect(
    stream,
    timeoutMs,
    early,
    (el) => el.name === "iq" && el.attrs.id === id,
  );
  if (reply.attrs.type !== "result") {
    const condition =
      reply.getChild("error")?.children.find((c): c is Element => typeof c !== "string")?.name ??
      "undefined-condition";
    throw new StreamFailure("protocol", `the server refused the ${id} iq (${condition})`);
  }
  return reply;
}

/** RFC 6120 §7: bind the resource asked for (the server may give another). */
async function bind(
  stream: XmlStream,
  resource: string,
  timeoutMs: number,
  early: Element[],
): Promise<string> {
  const reply = await iq(
    stream,
    "bind",
    xml("bind", { xmlns: NS_BIND }, xml("resource", {}, resource)),
    timeoutMs,
    early,
  );
  const jid = reply.getChild("bind", NS_BIND)?.getChildText("jid");
  if (!jid) throw new StreamFailure("protocol", "the server bound no JID");
  return jid;
}
