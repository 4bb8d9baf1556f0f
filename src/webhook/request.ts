import type { Element } from "@xmpp/xml";
import { codecFor, REQUEST_TYPES } from "../formats/index.js";
import { stanzaToJson } from "../formats/json/index.js";
import { stanzaEvent } from "../formats/json/message-event.js";
import { JSON_TYPE, type MediaType, XMPP_XML } from "../formats/negotiate.js";
import type { WebhookCall } from "./deliver.js";
import { newWebhookId, signatureHeaders } from "./signature.js";
import { expandCallbackUrl } from "./url.js";

/** Request header carrying the attempt number (1 for the first try). */
export const ATTEMPT_HEADER = "webhook-attempt";

// What the bridge can read back from the webhook (text/plain: a message body).
const ACCEPT = REQUEST_TYPES.join(", ");

export interface RequestSettings {
  /** The callback URL template ({kind}, {type}, {to}, {from}). */
  readonly url: string;
  readonly token: string | undefined;
  /** Standard Webhooks signing key, when a secret is configured. */
  readonly key: Buffer | undefined;
  /**
   * An owner's webhook: a JSON body carries the message's typed `event` beside the mapping
   * (README, "Messages, files and commands"). The global callback keeps mod_rest's body.
   */
  readonly typedEvents?: boolean;
}

/** The body in `format`; undefined when the stanza cannot be written in it. */
function encodeBody(
  settings: RequestSettings,
  format: MediaType,
  stanza: Element,
  stored: string | undefined,
): string | undefined {
  if (stored !== undefined && format === XMPP_XML) return stored;
  if (format === JSON_TYPE && settings.typedEvents) {
    // Typed where the body is built, from the stanza the store kept: the log holds one form.
    const event = stanzaEvent(stanza);
    return JSON.stringify(event ? { ...stanzaToJson(stanza), event } : stanzaToJson(stanza));
  }
  return codecFor(format)?.encode(stanza);
}

/** Headers every webhook request carries (the probe's too). */
export function baseHeaders(settings: RequestSettings): Record<string, string> {
  const headers: Record<string, string> = { "user-agent": "xmpp-rest" };
  if (settings.token) headers.authorization = `Bearer ${settings.token}`;
  return headers;
}

/** The start-up OPTIONS probe's headers: signed over an empty body, as every request is. */
export function probeHeaders(settings: RequestSettings, now: number = Date.now()) {
  const headers = baseHeaders(settings);
  if (settings.key) Object.assign(headers, signatureHeaders(settings.key, newWebhookId(), "", now));
  return headers;
}

export interface DeliveryIdentity {
  /** The same on every attempt of one stanza, so the receiver can deduplicate. */
  readonly webhookId: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
}

/**
 * The POST for one stanza: the body in `format`, the Standard Webhooks headers
 * (webhook-id always; timestamp and signature when a secret is set), the attempt
 * number. Undefined when the stanza cannot be written in that format.
 */
export function buildDeliveryRequest(
  settings: RequestSettings,
  format: MediaType,
  stanza: Element,
  identity: DeliveryIdentity,
  now: number = Date.now(),
  /** The stanza as the store holds it (serializeStanza's text): the XML body as is. */
  stored?: string,
): WebhookCall | undefined {
  const body = encodeBody(settings, format, stanza, stored);
  if (body === undefined) return undefined;
  const headers: Record<string, string> = {
    ...baseHeaders(settings),
    "content-type": format,
    accept: ACCEPT,
    "webhook-id": identity.webhookId,
    [ATTEMPT_HEADER]: String(identity.attempt),
  };
  if (settings.key)
    Object.assign(headers, signatureHeaders(settings.key, identity.webhookId, body, now));
  const lang = stanza.attrs["xml:lang"];
  if (lang) headers["content-language"] = lang;
  return { method: "POST", url: expandCallbackUrl(settings.url, stanza), headers, body };
}
