/**
 * Smack's stanza properties (JivePropertiesExtension, namespace
 * http://www.jivesoftware.com/xmlns/xmpp/properties), the metadata Smack and Android clients
 * attach to stanzas. JSON: `"properties": {name: value}` (MongooseIM's REST API has the same
 * field, with every value a string); here the value keeps its type where JSON has one.
 *
 * Reading: integer, long, float, double -> number (a long beyond 2^53 stays a string, so no
 * digit is lost); boolean -> true/false; string -> string; any other type (java-object is
 * base64 of a serialised Java object) -> `{type, value}` with the text as it is.
 * Writing: a string -> string, a boolean -> boolean, an integer -> integer (or long beyond
 * 32 bits), another number -> double; `{type, value}` names the type itself.
 */
import type { Element } from "@xmpp/xml";
import { NS } from "../../stanza/ns.js";
import { invalid, isAbsent, isRecord, record, string } from "./check.js";
import { child, children, childText, el, setOwn } from "./dom.js";
import { ALL_KINDS, field } from "./field.js";
import type { JsonProperties, JsonPropertyValue } from "./types.js";

const INT32_MAX = 2 ** 31 - 1;
const INT32_MIN = -(2 ** 31);

function readValue(type: string | undefined, text: string): JsonPropertyValue {
  switch (type) {
    case "integer":
    case "long": {
      const n = Number(text);
      return /^\s*[-+]?\d+\s*$/.test(text) && Number.isSafeInteger(n) ? n : text;
    }
    case "float":
    case "double": {
      const n = Number(text);
      return text.trim() !== "" && Number.isFinite(n) ? n : text;
    }
    case "boolean":
      return text.trim() === "true";
    case "string":
    case undefined:
      return text;
    default:
      return { type, value: text };
  }
}

function typed(value: unknown, path: string): [type: string, text: string] {
  if (typeof value === "string") return ["string", string(value, path)];
  if (typeof value === "boolean") return ["boolean", String(value)];
  if (typeof value === "number" && Number.isFinite(value)) {
    if (!Number.isInteger(value)) return ["double", String(value)];
    return [value >= INT32_MIN && value <= INT32_MAX ? "integer" : "long", String(value)];
  }
  if (isRecord(value)) {
    const type = string(value.type, `${path}.type`);
    const v = value.value;
    const text =
      typeof v === "number" || typeof v === "boolean" ? String(v) : string(v, `${path}.value`);
    return [type, text];
  }
  throw invalid(path, "a string, a finite number, true/false or {type, value}", value);
}

export const properties = field({
  field: "properties",
  kinds: ALL_KINDS,
  read(stanza): JsonProperties | undefined {
    const found = child(stanza, "properties", NS.properties);
    if (!found) return undefined;
    const out: JsonProperties = {};
    for (const p of children(found, "property", NS.properties)) {
      const name = childText(p, "name", NS.properties);
      const value = child(p, "value", NS.properties);
      if (name === undefined || !value) continue;
      // An own property: a name like "__proto__" stays data.
      setOwn(out, name, readValue(value.attrs.type, value.getText()));
    }
    return out;
  },
  write(value) {
    const obj = record(value, "properties");
    const list: Element[] = [];
    for (const [name, v] of Object.entries(obj)) {
      if (isAbsent(v)) continue;
      const path = `properties.${name}`;
      const [type, text] = typed(v, path);
      list.push(
        el(
          "property",
          {},
          el("name", {}, string(name, `${path} (name)`)),
          el("value", { type }, ...(text === "" ? [] : [text])),
        ),
      );
    }
    return el("properties", { xmlns: NS.properties }, ...list);
  },
});
