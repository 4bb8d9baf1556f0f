/**
 * The answer to a batch request: one result per stanza, in the order they were sent.
 *
 * JSON: `{"results": [{"status": 202, "id": "m1"}, {"status": 200, "id": "q1", "reply": {...}},
 * {"status": 422, "error": {"type": "modify", "condition": "bad-request", "text": "..."}}]}`;
 * `reply` is what the iq alone would have been answered with (one stanza, or `{"xmpp": [...]}`
 * for an archive query's results and final iq).
 *
 * XML: `<results><result status="202" id="m1"/><result status="200" id="q1"><iq .../></result>
 * <result status="422"><error type="modify"><bad-request xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>
 * <text xmlns="urn:ietf:params:xml:ns:xmpp-stanzas">...</text></error></result></results>`,
 * no namespace on the wrappers (as on mod_rest's `<xmpp>`), stanzas in the payload format.
 */
import xml, { type Element } from "@xmpp/xml";
import type { StanzaError } from "../stanza/errors.js";
import { stanzasToJson, stanzaToJson } from "./json/index.js";
import { JSON_TYPE, type MediaType } from "./negotiate.js";
import { serializeStanza } from "./xml.js";

export interface BatchResult {
  readonly status: number;
  /** The stanza's id, once it had one (given or generated). */
  readonly id?: string | undefined;
  /** An iq's reply (with any results before it); empty for a message or presence. */
  readonly stanzas?: readonly Element[];
  readonly error?: StanzaError;
}

function resultJson(result: BatchResult): Record<string, unknown> {
  const out: Record<string, unknown> = { status: result.status };
  if (result.id !== undefined) out.id = result.id;
  const stanzas = result.stanzas ?? [];
  const [only] = stanzas;
  if (only) out.reply = stanzas.length === 1 ? stanzaToJson(only) : stanzasToJson(stanzas);
  if (result.error) {
    const { type, condition, text } = result.error;
    out.error = text === undefined ? { type, condition } : { type, condition, text };
  }
  return out;
}

function resultXml(result: BatchResult): string {
  const attrs: Record<string, string> = { status: String(result.status) };
  if (result.id !== undefined) attrs.id = result.id;
  const open = xml("result", attrs).toString().replace(/\/>$/, ">");
  const inner = (result.stanzas ?? []).map(serializeStanza).join("");
  const error = result.error ? result.error.toElement().toString() : "";
  return `${open}${inner}${error}</result>`;
}

export function encodeBatchResults(results: readonly BatchResult[], format: MediaType): string {
  if (format === JSON_TYPE) return JSON.stringify({ results: results.map(resultJson) });
  return `<results>${results.map(resultXml).join("")}</results>`;
}
