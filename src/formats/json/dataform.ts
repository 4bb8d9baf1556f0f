/**
 * XEP-0004 data forms, in two shapes: the complete form (`dataform`, command `form`), and a
 * plain var -> value map for submitted forms (MAM queries, command `data`, XEP-0128
 * extensions), as mod_rest does.
 */
import type { Element } from "@xmpp/xml";
import { NS } from "../../stanza/ns.js";
import { array, invalid, isAbsent, optBoolean, optString, record, string } from "./check.js";
import { attr, child, children, childText, compact, el, setOwn, textEl } from "./dom.js";
import { ALL_KINDS, field } from "./field.js";
import type { JsonDataForm, JsonFormData, JsonFormField, JsonFormOption } from "./types.js";

const MULTI = new Set(["jid-multi", "list-multi", "text-multi"]);

function values(fieldEl: Element): string[] {
  return children(fieldEl, "value", NS.data).map((v) => v.getText());
}

export function readDataForm(x: Element): JsonDataForm {
  const fields = children(x, "field", NS.data).map((f): JsonFormField => {
    const type = attr(f, "type");
    const vals = values(f);
    const options = children(f, "option", NS.data).map((o) =>
      compact<JsonFormOption>({ label: attr(o, "label"), value: childText(o, "value") ?? "" }),
    );
    const isList = type === "list-single" || type === "list-multi";
    return compact<JsonFormField>({
      var: attr(f, "var"),
      type,
      label: attr(f, "label"),
      desc: childText(f, "desc"),
      required: child(f, "required", NS.data) ? true : undefined,
      // A multi field is always an array; another field is an array only when it has several.
      value: type && MULTI.has(type) ? vals : vals.length > 1 ? vals : vals[0],
      options: isList || options.length > 0 ? options : undefined,
    });
  });
  return compact<JsonDataForm>({
    type: attr(x, "type") ?? "form",
    title: childText(x, "title"),
    instructions: childText(x, "instructions"),
    fields,
  });
}

function writeValues(value: unknown, path: string): Element[] {
  if (isAbsent(value)) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((v, i) =>
    el("value", {}, string(v, Array.isArray(value) ? `${path}[${i}]` : path)),
  );
}

export function writeDataForm(value: unknown, path: string): Element {
  const form = record(value, path);
  const type = isAbsent(form.type) ? "form" : form.type;
  if (type !== "form" && type !== "submit" && type !== "cancel" && type !== "result") {
    throw invalid(`${path}.type`, "one of form, submit, cancel, result", type);
  }
  const x = el("x", { xmlns: NS.data, type });
  const title = textEl("title", optString(form.title, `${path}.title`));
  const instructions = textEl("instructions", optString(form.instructions, `${path}.instructions`));
  if (title) x.append(title);
  if (instructions) x.append(instructions);
  const fields = isAbsent(form.fields) ? [] : array(form.fields, `${path}.fields`);
  fields.forEach((raw, i) => {
    const p = `${path}.fields[${i}]`;
    const f = record(raw, p);
    const fieldEl = el("field", {
      var: optString(f.var, `${p}.var`),
      type: optString(f.type, `${p}.type`),
      label: optString(f.label, `${p}.label`),
    });
    const desc = textEl("desc", optString(f.desc, `${p}.desc`));
    if (desc) fieldEl.append(desc);
    if (optBoolean(f.required, `${p}.required`)) fieldEl.append(el("required"));
    for (const v of writeValues(f.value, `${p}.value`)) fieldEl.append(v);
    const options = isAbsent(f.options) ? [] : array(f.options, `${p}.options`);
    options.forEach((rawOption, j) => {
      const op = `${p}.options[${j}]`;
      const o = record(rawOption, op);
      const label = optString(o.label, `${op}.label`);
      fieldEl.append(el("option", { label }, el("value", {}, string(o.value, `${op}.value`))));
    });
    x.append(fieldEl);
  });
  return x;
}

/** The plain map of a form; FORM_TYPE is left out, the caller knows it. */
export function readFormData(x: Element): JsonFormData {
  const data: JsonFormData = {};
  for (const f of children(x, "field", NS.data)) {
    const name = attr(f, "var");
    if (name === undefined || name === "FORM_TYPE") continue;
    const vals = values(f);
    setOwn(data, name, vals.length === 1 ? (vals[0] ?? "") : vals);
  }
  return data;
}

export function readFormType(x: Element): string | undefined {
  const formType = children(x, "field", NS.data).find((f) => attr(f, "var") === "FORM_TYPE");
  return formType ? childText(formType, "value") : undefined;
}

export function writeFormData(
  value: unknown,
  path: string,
  type: "submit" | "result",
  formType?: string,
): Element {
  const data = record(value, path);
  const x = el("x", { xmlns: NS.data, type });
  if (formType !== undefined && isAbsent(data.FORM_TYPE)) {
    x.append(el("field", { var: "FORM_TYPE", type: "hidden" }, el("value", {}, formType)));
  }
  for (const [name, v] of Object.entries(data)) {
    if (isAbsent(v)) continue;
    const p = `${path}.${name}`;
    if (typeof v !== "string" && !Array.isArray(v)) {
      throw invalid(p, "a string or an array of strings", v);
    }
    const fieldEl = el("field", {
      var: string(name, `${path} key`),
      type: name === "FORM_TYPE" ? "hidden" : undefined,
    });
    for (const valueEl of writeValues(v, p)) fieldEl.append(valueEl);
    x.append(fieldEl);
  }
  return x;
}

export const dataform = field({
  field: "dataform",
  kinds: ALL_KINDS,
  read(stanza) {
    const x = child(stanza, "x", NS.data);
    return x ? readDataForm(x) : undefined;
  },
  write: (value) => writeDataForm(value, "dataform"),
});
