/**
 * application/x-www-form-urlencoded <-> stanza: the flat fields of the JSON mapping only. A form
 * goes through the JSON mapping, so the same checks and the same 422s apply.
 */
import type { Element } from "@xmpp/xml";
import { type StanzaError, unprocessable } from "../stanza/errors.js";
import { jsonToStanza, stanzaToJson } from "./json/index.js";

/** How a flat field's text becomes its JSON value. */
type Flat = "string" | "integer" | "boolean" | "query";

export const FORM_FIELDS: Readonly<Record<string, Flat>> = {
  kind: "string",
  type: "string",
  to: "string",
  from: "string",
  id: "string",
  lang: "string",
  body: "string",
  subject: "string",
  thread: "string",
  html: "string",
  state: "string",
  oob_url: "string",
  replace: "string",
  attach_to: "string",
  displayed: "string",
  occupant_id: "string",
  encryption: "string",
  markable: "boolean",
  fallback: "boolean",
  show: "string",
  status: "string",
  priority: "integer",
  join: "boolean",
  idle_since: "string",
  nick: "string",
  delay: "string",
  ping: "boolean",
  version: "query",
  disco: "query",
  items: "query",
  command: "string",
  lastactivity: "query",
  stats: "query",
  extdisco: "query",
  archive: "query",
};

function badForm(name: string, expected: string, got: string): StanzaError {
  const text = `${name}: expected ${expected}, got ${JSON.stringify(got)}`;
  return unprocessable(text);
}

function flag(name: string, text: string): boolean {
  // A bare key (`ping=` or `?ping`) is how a form says yes.
  if (text === "" || text === "true" || text === "1") return true;
  if (text === "false" || text === "0") return false;
  throw badForm(name, "true, false, 1, 0 or nothing", text);
}

function convert(name: string, kind: Flat, text: string): unknown {
  switch (kind) {
    case "string":
      return text;
    case "integer":
      if (!/^[-+]?\d+$/.test(text.trim())) throw badForm(name, "an integer", text);
      return Number(text);
    case "boolean":
      return flag(name, text);
    case "query":
      // A yes asks for the plain query; any other text is the node (disco, items).
      if (text === "" || text === "true" || text === "1") return true;
      if (name === "disco" || name === "items" || name === "extdisco") return text;
      return flag(name, text);
  }
}

/** The JSON object a form stands for; unknown keys are ignored, like unknown JSON fields. */
export function formToJson(form: string | URLSearchParams): Record<string, unknown> {
  const params = typeof form === "string" ? new URLSearchParams(form) : form;
  const json: Record<string, unknown> = {};
  for (const [name, kind] of Object.entries(FORM_FIELDS)) {
    const text = params.get(name);
    if (text === null) continue;
    const value = convert(name, kind, text);
    if (value !== false) json[name] = value;
  }
  return json;
}

/**
 * The stanza for a form body. `path` holds what the path form (/rest/{kind}/{type}/{to}) said;
 * it wins over the body.
 */
export function formToStanza(
  form: string | URLSearchParams,
  path: { kind?: string; type?: string; to?: string } = {},
): Element {
  const json = formToJson(form);
  for (const [key, value] of Object.entries(path)) if (value !== undefined) json[key] = value;
  return jsonToStanza(json);
}

/** The flat fields of a stanza as a form; structured fields have no form and are left out. */
export function stanzaToForm(stanza: Element): string {
  const json = stanzaToJson(stanza) as unknown as Record<string, unknown>;
  const params = new URLSearchParams();
  for (const name of Object.keys(FORM_FIELDS)) {
    const value = json[name];
    // An empty query (a request) reads as `{}` in JSON; a form says yes to it.
    if (FORM_FIELDS[name] === "query" && isEmptyObject(value)) params.set(name, "true");
    else if (typeof value === "string") params.set(name, value);
    else if (typeof value === "number" || typeof value === "boolean")
      params.set(name, String(value));
  }
  // An error stanza's error, under the same keys as an HTTP error body in form format.
  const error = json.error as Record<string, unknown> | undefined;
  if (error) {
    for (const key of ["type", "condition", "text", "by"]) {
      const v = error[key];
      if (typeof v === "string") params.set(`error.${key}`, v);
    }
  }
  return params.toString();
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === "object" && value !== null && Object.keys(value).length === 0;
}
