/** Fields any stanza kind may carry: delay, nick, rsm, payload, error (dataform: dataform.ts). */
import type { Element } from "@xmpp/xml";
import { STANZA_ERROR_TYPES, StanzaError, type StanzaErrorType } from "../../stanza/errors.js";
import { NS } from "../../stanza/ns.js";
import {
  checkXmlText,
  invalid,
  isAbsent,
  optInteger,
  optString,
  record,
  string,
  xmlName,
} from "./check.js";
import { attr, child, childText, compact, el, textEl, toInt } from "./dom.js";
import { ALL_KINDS, field } from "./field.js";
import type { JsonError, JsonPayload, JsonRsm, JsonValue } from "./types.js";

export function readDelay(parent: Element): string | undefined {
  const found = child(parent, "delay", NS.delay);
  return found ? attr(found, "stamp") : undefined;
}

export function writeDelay(value: unknown, path: string): Element | undefined {
  const stamp = optString(value, path);
  return stamp === undefined ? undefined : el("delay", { xmlns: NS.delay, stamp });
}

export const delay = field({
  field: "delay",
  kinds: ALL_KINDS,
  read: (stanza) => readDelay(stanza),
  write: (value) => writeDelay(value, "delay"),
});

export const nick = field({
  field: "nick",
  kinds: ALL_KINDS,
  read: (stanza) => childText(stanza, "nick", NS.nick),
  write: (value) => textEl("nick", string(value, "nick"), { xmlns: NS.nick }),
});

export function readRsm(set: Element | undefined): JsonRsm | undefined {
  if (!set) return undefined;
  const first = child(set, "first", NS.rsm);
  return compact({
    after: childText(set, "after", NS.rsm),
    before: childText(set, "before", NS.rsm),
    count: toInt(childText(set, "count", NS.rsm)),
    first: first?.getText(),
    index: first ? toInt(attr(first, "index")) : undefined,
    last: childText(set, "last", NS.rsm),
    max: toInt(childText(set, "max", NS.rsm)),
  });
}

export function writeRsm(value: unknown, path: string): Element {
  const rsm = record(value, path);
  const str = (key: string) => optString(rsm[key], `${path}.${key}`);
  const num = (key: string) => optInteger(rsm[key], `${path}.${key}`, 0)?.toString();
  const first = str("first");
  const index = num("index");
  if (index !== undefined && first === undefined) throw invalid(`${path}.index`, "first with it");
  return el(
    "set",
    { xmlns: NS.rsm },
    ...[
      textEl("max", num("max")),
      textEl("after", str("after")),
      textEl("before", str("before")),
      textEl("count", num("count")),
      textEl("first", first, { index }),
      textEl("last", str("last")),
    ].filter((c) => c !== undefined),
  );
}

export const rsm = field({
  field: "rsm",
  kinds: ALL_KINDS,
  read: (stanza) => readRsm(child(stanza, "set", NS.rsm)),
  write: (value) => writeRsm(value, "rsm"),
});

export const payload = field({
  field: "payload",
  kinds: ALL_KINDS,
  read(stanza): JsonPayload | undefined {
    const found = child(stanza, "payload", NS.jsonMsg);
    if (!found) return undefined;
    // XEP-0432 wraps the JSON in a XEP-0335 <json> element; mod_rest writes it as the
    // payload's own text. Both are read; the XEP's form is written.
    const raw = childText(found, "json", NS.json) ?? found.getText();
    if (raw.trim() === "") return undefined;
    try {
      // Not JSON: an element the mapping cannot represent, dropped like unknown ones.
      return compact({ datatype: attr(found, "datatype"), data: JSON.parse(raw) as JsonValue });
    } catch {
      return undefined;
    }
  },
  write(value) {
    const obj = record(value, "payload");
    if (obj.data === undefined) throw invalid("payload.data", "a JSON value");
    const text = checkXmlText(JSON.stringify(obj.data), "payload.data");
    const datatype = optString(obj.datatype, "payload.datatype");
    return el("payload", { xmlns: NS.jsonMsg, datatype }, el("json", { xmlns: NS.json }, text));
  },
});

export const error = field({
  field: "error",
  kinds: ALL_KINDS,
  read(stanza): JsonError | undefined {
    const found = stanza.attrs.type === "error" ? StanzaError.fromElement(stanza) : undefined;
    if (!found) return undefined;
    return compact({
      type: found.type,
      condition: found.condition,
      text: found.text,
      by: found.by,
    });
  },
  write(value) {
    const obj = record(value, "error");
    const type = isAbsent(obj.type) ? "cancel" : obj.type;
    if (typeof type !== "string" || !STANZA_ERROR_TYPES.has(type)) {
      throw invalid("error.type", "one of auth, cancel, continue, modify, wait", type);
    }
    const condition = isAbsent(obj.condition)
      ? "undefined-condition"
      : xmlName(obj.condition, "error.condition");
    const text = optString(obj.text, "error.text");
    const by = optString(obj.by, "error.by");
    return new StanzaError(type as StanzaErrorType, condition, { text, by }).toElement();
  },
});
