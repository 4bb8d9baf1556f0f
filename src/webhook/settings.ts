import { FORM, JSON_TYPE, type MediaType, XMPP_XML } from "../formats/negotiate.js";

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
