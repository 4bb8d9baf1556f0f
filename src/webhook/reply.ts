import { randomUUID } from "node:crypto";
import xml, { type Element } from "@xmpp/xml";
import { codecFor } from "../formats/index.js";
import { mediaTypeOf, TEXT } from "../formats/negotiate.js";
import { serializeForServer } from "../formats/wire.js";
import { stripNonXmlChars } from "../formats/xml.js";
import { StanzaError, stanzaErrorForHttpStatus, timedOut } from "../stanza/errors.js";
import { bareJid, jidToString, parseJid } from "../stanza/jid.js";
import { NS } from "../stanza/ns.js";
import { domainScope, type WebhookScope } from "./scope.js";

/** What became of one webhook call; the dispatcher turns it into a reply with replyFor(). */
export type Outcome =
  | {
      readonly kind: "answered";
      readonly status: number;
      readonly contentType: string | undefined;
      readonly body: string;
    }
  /** The answer was larger than the stanza size limit and was not read. */
  | { readonly kind: "too-large"; readonly status: number; readonly limit: number }
  | { readonly kind: "timeout"; readonly seconds: number; readonly reason?: string }
  | { readonly kind: "unreachable"; readonly reason?: string }
  /** Refused before any request: the queue is full, no webhook, stanza filtered out... */
  | { readonly kind: "refused"; readonly error: StanzaError };

export interface ReplyContext {
  /** The component's domain: a webhook's reply may not claim any other. */
  readonly domain: string;
  /** Whose webhook it is when not the domain's (an account's). */
  readonly scope?: WebhookScope | undefined;
  /** Largest reply stanza sent, bytes (the server's stanza size limit applies to us too). */
  readonly sizeLimit: number;
}

export interface ReplyDecision {
  readonly reply?: Element;
  /** Why the webhook's answer was not used as is; the dispatcher logs it. */
  readonly problem?: string;
}

const MAX_ERROR_TEXT = 1024;

// The shape of an RFC 5646 language tag: subtags of 1-8 letters or digits, the first letters.
const LANGUAGE_TAG = /^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/;

// RFC 6120 §8.2.3 (iq), §8.3.1 (errors), RFC 6121 §5.2.2 / §4.7.1: the types each kind may carry.
const TYPES: Readonly<Record<string, ReadonlySet<string>>> = {
  message: new Set(["chat", "error", "groupchat", "headline", "normal"]),
  presence: new Set([
    "error",
    "probe",
    "subscribe",
    "subscribed",
    "unavailable",
    "unsubscribe",
    "unsubscribed",
  ]),
  iq: new Set(["result", "error"]),
};

/** RFC 6120 §8.3.1: never answer an error, and an iq result ends its exchange. */
export function allowsReply(inbound: Element): boolean {
  const type = inbound.attrs.type;
  return type !== "error" && type !== "result";
}

/** Error text: XML-safe, trimmed, and short enough to keep the error stanza small. */
function xmlSafeText(text: string): string {
  const cleaned = stripNonXmlChars(text).trim();
  if (cleaned.length <= MAX_ERROR_TEXT) return cleaned;
  // Do not cut a surrogate pair in half.
  const end = /[\ud800-\udbff]/.test(cleaned[MAX_ERROR_TEXT - 1] ?? "")
    ? MAX_ERROR_TEXT - 1
    : MAX_ERROR_TEXT;
  return `${cleaned.slice(0, end)}…`;
}

/** RFC 6120 §8.3: an error reply from the inbound stanza's addressee, with its id. */
export function errorReply(inbound: Element, error: StanzaError): Element | undefined {
  const { from, to, id } = inbound.attrs;
  if (!from || !to) return undefined;
  const attrs: Record<string, string> = { type: "error", from: to, to: from };
  if (id !== undefined) attrs.id = id;
  const text = error.text ? xmlSafeText(error.text) : "";
  const safe = new StanzaError(error.type, error.condition, { text: text || undefined });
  return xml(inbound.name, attrs, safe.toElement());
}

/** Where a reply goes: the sender, or for groupchat the room itself (XEP-0045 §7.4). */
function replyTarget(inbound: Element): string {
  const from = inbound.attrs.from ?? "";
  if (inbound.name === "message" && inbound.attrs.type === "groupchat") {
    const jid = parseJid(from);
    if (jid) return jidToString(bareJid(jid));
  }
  return from;
}

/** What a 202/204 or a 2xx without a usable body means: "delivered", plus what the protocol owes. */
function plainReply(inbound: Element): Element | undefined {
  const { from, to, id, type } = inbound.attrs;
  if (!from || !to) return undefined;
  // RFC 6120 §8.2.3: every get/set is answered; an empty result says "done".
  if (inbound.name === "iq") return xml("iq", { type: "result", id: id ?? "", from: to, to: from });
  // XEP-0184 §5.1: a receipt request on a message with an id is acknowledged once delivered.
  if (inbound.name === "message" && id && inbound.getChild("request", NS.receipts)) {
    const attrs: Record<string, string> = { from: to, to: replyTarget(inbound), id: randomUUID() };
    if (type) attrs.type = type;
    return xml("message", attrs, xml("received", { xmlns: NS.receipts, id }));
  }
  return undefined;
}

class Unusable extends Error {}

/**
 * Turns the webhook's stanza into the reply actually sent. Only the content is
 * the webhook's: addressing is forced from the inbound stanza, so nothing the
 * webhook writes can make the server close the component stream (RFC 6120
 * §4.9.3.9 invalid-from, XEP-0114 §3).
 */
function shapeReply(
  inbound: Element,
  body: Element,
  namespace: string,
  ctx: ReplyContext,
): Element {
  if (namespace !== "" && namespace !== NS.client) {
    throw new Unusable(`the answer's root namespace is ${namespace}, not ${NS.client}`);
  }
  if (body.name !== inbound.name) {
    throw new Unusable(`the answer is a <${body.name}>, the inbound stanza a <${inbound.name}>`);
  }
  const claimed = body.attrs.from;
  const scope = ctx.scope ?? domainScope(ctx.domain);
  if (claimed !== undefined && claimed !== "" && !scope.mayClaim(claimed)) {
    throw new Unusable(`the answer's from '${claimed}' is outside ${scope.describe}`);
  }

  const hasError = body.getChild("error") !== undefined;
  let type: string | undefined = body.attrs.type;
  if (inbound.name === "iq") {
    // A result always; an explicit error reply with its <error> is passed on as one.
    type = type === "error" && hasError ? "error" : "result";
  } else if (type === undefined || type === "") {
    // A bare reply continues the same conversation (mod_rest would leave a message "normal").
    type = inbound.attrs.type === undefined && hasError ? "error" : inbound.attrs.type;
  }
  if (type !== undefined && !TYPES[inbound.name]?.has(type)) {
    throw new Unusable(`type '${type}' is not valid on a <${inbound.name}>`);
  }
  if (type === "error" && !hasError) throw new Unusable("type 'error' without an <error> child");
  if (type === "result" && body.getChildElements().length > 1) {
    // RFC 6120 §8.2.3: a result carries zero or one child.
    throw new Unusable("an iq result may carry at most one child element");
  }

  const attrs: Record<string, string> = {
    from: inbound.attrs.to ?? scope.address,
    to: inbound.name === "iq" ? (inbound.attrs.from ?? "") : replyTarget(inbound),
  };
  const id = inbound.name === "iq" || type === "error" ? inbound.attrs.id : body.attrs.id;
  attrs.id = id || randomUUID();
  if (type !== undefined) attrs.type = type;
  const lang = body.attrs["xml:lang"];
  // RFC 6120 §8.1.5: xml:lang holds a language tag (RFC 5646). ejabberd discards a stanza
  // whose tag it cannot read, so the user would get no reply at all: a bad one is left out.
  if (lang && LANGUAGE_TAG.test(lang)) attrs["xml:lang"] = lang;

  const reply = new xml.Element(body.name, attrs);
  reply.children = body.children;
  return reply;
}

/** The reply (if any) that mod_rest's reply rules give for this outcome. */
export function replyFor(inbound: Element, outcome: Outcome, ctx: ReplyContext): ReplyDecision {
  if (!allowsReply(inbound) || !inbound.attrs.from) return {};
  // The loop rule: nothing is ever answered back to the bridge's own domain (see loop.ts).
  if ((ctx.scope ?? domainScope(ctx.domain)).isOwn(inbound.attrs.from)) {
    return { problem: "not answering a stanza from the bridge's own domain (loop rule)" };
  }
  const fail = (error: StanzaError, problem?: string): ReplyDecision => {
    const reply = errorReply(inbound, error);
    return { ...(reply ? { reply } : {}), ...(problem ? { problem } : {}) };
  };
  const unusable = (problem: string) =>
    fail(
      new StanzaError("cancel", "internal-server-error", {
        text: "the bot's answer could not be used",
      }),
      problem,
    );

  switch (outcome.kind) {
    case "refused":
      return fail(outcome.error);
    case "timeout":
      return fail(timedOut(`the bot did not answer within ${outcome.seconds}s`));
    case "unreachable":
      return fail(
        new StanzaError("wait", "recipient-unavailable", { text: "the bot cannot be reached" }),
      );
    case "too-large":
      return unusable(`the answer (HTTP ${outcome.status}) is larger than ${outcome.limit} bytes`);
    case "answered":
      break;
  }

  const { status, body, contentType } = outcome;
  if (status < 200 || status > 299) return fail(stanzaErrorForHttpStatus(status, body));
  const plain = () => {
    const reply = plainReply(inbound);
    return reply ? { reply } : {};
  };
  if (status === 202 || status === 204 || body.trim() === "") return plain();
  const finish = (build: () => Element): ReplyDecision => {
    let reply: Element;
    try {
      reply = build();
    } catch (err) {
      if (err instanceof Unusable) return unusable(err.message);
      const reason = err instanceof Error ? err.message : String(err);
      return unusable(`the answer does not parse as ${contentType}: ${reason}`);
    }
    try {
      // The link's gate, applied here too so that a refusal becomes an error reply to the user.
      serializeForServer(reply, ctx.sizeLimit);
    } catch (err) {
      return unusable(err instanceof StanzaError && err.text ? err.text : String(err));
    }
    return { reply };
  };

  const mediaType = mediaTypeOf(contentType);
  if (mediaType === TEXT) {
    // Plain text is the body of a reply message, the simplest answer a bot can give.
    if (inbound.name !== "message") return plain();
    const text = new xml.Element("message");
    text.append(xml("body", {}, stripNonXmlChars(body)));
    return finish(() => shapeReply(inbound, text, "", ctx));
  }
  const codec = codecFor(mediaType);
  if (!codec) return plain();
  return finish(() => {
    const decoded = codec.decode(body, {});
    return shapeReply(inbound, decoded.stanza, decoded.namespace, ctx);
  });
}
