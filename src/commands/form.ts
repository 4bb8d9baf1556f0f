/**
 * A bot's form for the next step of a command, checked against XEP-0004 before it is sent:
 * clients show list fields as buttons and lists, booleans as switches, so a field of the wrong
 * shape is refused here (422 naming it) rather than shown wrong.
 */
import type { Element } from "@xmpp/xml";
import { writeDataForm } from "../formats/json/dataform.js";
import { unprocessable } from "../stanza/errors.js";
import { parseJid } from "../stanza/jid.js";

/** XEP-0004 §3.3: the field types. */
export const FIELD_TYPES = [
  "boolean",
  "fixed",
  "hidden",
  "jid-multi",
  "jid-single",
  "list-multi",
  "list-single",
  "text-multi",
  "text-private",
  "text-single",
] as const;
type FieldType = (typeof FIELD_TYPES)[number];

const MULTI = new Set<FieldType>(["jid-multi", "list-multi", "text-multi"]);
const LISTS = new Set<FieldType>(["list-multi", "list-single"]);
const BOOLEAN_VALUES = new Set(["0", "1", "true", "false"]);

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function checkField(raw: unknown, path: string, vars: Set<string>): void {
  if (!isRecord(raw)) throw unprocessable(`${path}: expected an object {var, type, label, ...}`);
  const type = (raw.type ?? "text-single") as FieldType;
  if (!FIELD_TYPES.includes(type)) {
    throw unprocessable(`${path}.type: expected one of ${FIELD_TYPES.join(", ")}`);
  }
  // §3.2: every field but a fixed one has a var, unique in the form.
  if (type !== "fixed") {
    if (typeof raw.var !== "string" || raw.var === "") {
      throw unprocessable(`${path}.var: a ${type} field needs a var`);
    }
    if (vars.has(raw.var)) throw unprocessable(`${path}.var: '${raw.var}' is used twice`);
    vars.add(raw.var);
  }
  const name = typeof raw.var === "string" ? `${path} (${raw.var})` : path;
  const values = raw.value === undefined ? [] : Array.isArray(raw.value) ? raw.value : [raw.value];
  if (values.some((v) => typeof v !== "string")) {
    throw unprocessable(`${name}.value: strings only`);
  }
  if (!MULTI.has(type) && values.length > 1) {
    throw unprocessable(`${name}.value: a ${type} field has one value`);
  }
  if (type === "boolean" && values.some((v) => !BOOLEAN_VALUES.has(v as string))) {
    throw unprocessable(`${name}.value: a boolean is "0", "1", "true" or "false"`);
  }
  if (type.startsWith("jid-") && values.some((v) => parseJid(v as string) === undefined)) {
    throw unprocessable(`${name}.value: a ${type} field holds JIDs`);
  }
  if (raw.options !== undefined) {
    if (!LISTS.has(type)) throw unprocessable(`${name}.options: only list fields have options`);
    if (
      !Array.isArray(raw.options) ||
      raw.options.some((o) => !isRecord(o) || typeof o.value !== "string")
    ) {
      throw unprocessable(`${name}.options: expected [{label, value}]`);
    }
  }
}

/** The XEP-0004 form (type "form") for a JSON form; 422 naming the field at fault. */
export function commandForm(value: unknown): Element {
  if (!isRecord(value))
    throw unprocessable("form: expected an object {title, instructions, fields}");
  if (value.type !== undefined && value.type !== "form" && value.type !== "result") {
    throw unprocessable(`form.type: "form" (asks for input) or "result" (shows a result)`);
  }
  const fields = value.fields ?? [];
  if (!Array.isArray(fields)) throw unprocessable("form.fields: expected an array");
  const vars = new Set<string>();
  fields.forEach((field, i) => {
    checkField(field, `form.fields[${i}]`, vars);
  });
  return writeDataForm({ ...value, type: value.type ?? "form" }, "form");
}
