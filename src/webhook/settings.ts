import { FORM, JSON_TYPE, type MediaType, XMPP_XML } from "../formats/negotiate.js";
import type { AddressForm } from "../stanza/jid.js";
import type { StanzaKind } from "../stanza/kinds.js";

import type { WebhookScope } from "./scope.js";

/**
 * The formats a stanza can be POSTed to a webhook in (mod_rest's rest_callback_content_type).
 * Plain text is not one: it carries a message body, not a stanza.
 */
export const CALLBACK_TYPES = [XMPP_XML, JSON_TYPE, FORM] as const;
export type CallbackType = (typeof CALLBACK_TYPES)[number];

const CALLBACK_TYPE_SET: ReadonlySet<string> = new Set(CALLBACK_TYPES);

export function isCallbackType(type: MediaType | undefined): type is CallbackType {
  return type !== undefined && CALLBACK_TYPE_SET.has(type);
}

/**
 * What a webhook reads of the configuration: the global callback's settings, or a bot's
 * webhook with the bot's own URL, secret, token and format over them.
 */
export interface WebhookSettings {
  /** The component's domain: only stanzas to it are forwarded, and replies come from it. */
  readonly domain: string;
  /** Whose webhook it is when not the domain's (an account's, scope.ts). */
  readonly scope?: WebhookScope | undefined;
  /** Largest webhook answer accepted, bytes. */
  readonly stanzaSizeLimit: number;
  /** Undefined: no webhook; inbound iqs are answered service-unavailable. */
  readonly callbackUrl: string | undefined;
  /** Stanza kinds forwarded (mod_rest's rest_callback_stanzas). */
  readonly callbackStanzas: readonly StanzaKind[];
  /** Forms of the `to` address forwarded (mod_rest's rest_callback_events). */
  readonly callbackEvents: readonly AddressForm[];
  /** Format stanzas are POSTed in, unless the start-up OPTIONS probe chooses another. */
  readonly callbackContentType: MediaType;
  readonly callbackTimeoutMs: number;
  /** Webhook requests in flight at once, and connections in the agent's pool. */
  readonly callbackConcurrency: number;
  /** Stanzas that may wait in the store; beyond it they are refused. */
  readonly callbackQueueSize: number;
  /** Signs requests (Standard Webhooks); may be whsec_<base64>. */
  readonly callbackSecret: string | undefined;
  /** Sent as Authorization: Bearer <token>. */
  readonly callbackToken: string | undefined;
  /** Delays between webhook attempts, ms; empty: no retries. */
  readonly callbackRetryMs: readonly number[];
}
