/**
 * text/plain: the text is a message body, or a presence `show` (mod_rest's path form
 * POST /rest/{kind}/{type}/{to}). Goes through the JSON mapping for its checks.
 */
import type { Element } from "@xmpp/xml";
import { unprocessable } from "../stanza/errors.js";
import { jsonToStanza, stanzaToJson } from "./json/index.js";

export interface TextTarget {
  /** message (the default) or presence. */
  kind?: string;
  type?: string;
  to?: string;
}

export function textToStanza(text: string, target: TextTarget = {}): Element {
  const kind = target.kind ?? "message";
  const base = { kind, type: target.type, to: target.to };
  if (kind === "message") {
    // A plain-text message is a chat message unless the path says otherwise.
    return jsonToStanza({ ...base, type: target.type ?? "chat", body: text });
  }
  if (kind === "presence") {
    const show = text.trim();
    return jsonToStanza(show === "" ? base : { ...base, show });
  }
  throw unprocessable(
    `kind: text/plain carries a message body or a presence show, not a ${JSON.stringify(kind)}`,
  );
}

/** The human-readable text of a stanza: the error text, the body, or the presence status. */
export function stanzaToText(stanza: Element): string {
  const json = stanzaToJson(stanza);
  if (json.error) return json.error.text ?? json.error.condition;
  if (json.kind === "message") return json.body ?? "";
  if (json.kind === "presence") return json.status ?? json.show ?? "";
  return "";
}
