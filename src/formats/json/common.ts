/** Fields any stanza kind may carry: delay, nick, rsm, payload, error (dataform: dataform.ts). */
import type { Element } from "@xmpp/xml";
import { STANZA_ERROR_TYPES, type StanzaErrorType } from "../../stanza/errors.js";
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
import { attr, child, childText, compact, el, nsOf, textEl, toInt } from "./dom.js";
import { ALL_KINDS, field } from "./field.js";
import type { JsonError, JsonPayload, JsonRsm, JsonValue } from "./types.js";

export const NS_DELAY = "urn:xmpp:delay"; // XEP-0203
export const NS_NICK = "http://jabber.org/protocol/nick"; // XEP-0172
export const NS_RSM = "http://jabber.org/protocol/rsm"; // XEP-0059
export const NS_JSON_MSG = "urn:xmpp:json-msg:0"; // XEP-0432
export const NS_JSON = "urn:xmpp:json:0"; // XEP-0335
export const NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"; // RFC 6120 §8.3

export function readDelay(parent: Element): string | undefined {
  const found = child(parent, "delay", NS_DELAY);
  return found ? attr(found, "stamp") : undefined;
}

export function writeDelay(value: unknown, path: string): Element | undefined {
  const stamp = optString(value, path);
  return stamp === undefined ? undefined : el("delay", { xmlns: NS_DELAY, stamp });
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
  read: (stanza) => childText(stanza, "nick", NS_NICK),
  write: (value) => textEl("nick", string(value, "nick"), { xmlns: NS_NICK }),
});

export function readRsm(set: Element | undefined): JsonRsm | undefined {
  if (!set) return undefined;
  const first = child(set, "first", NS_RSM);
  return compact({
    after: childText(set, "after", NS_RSM),
    before: childText(set, "before", NS_RSM),
    count: toInt(childText(set, "count", NS_RSM)),
    first: first?.getText(),
    index: first ? toInt(attr(first, "index")) : undefined,
    last: childText(set, "last", NS_RSM),
    max: toInt(childText(set, "max", NS_RSM)),
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
    { xmlns: NS_RSM },
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
  read: (stanza) => readRsm(child(stanza, "set", NS_RSM)),
  write: (value) => writeRsm(value, "rsm"),
});

export const payload = field({
  field: "payload",
  kinds: ALL_KINDS,
  read(stanza): JsonPayload | undefined {
    const found = child(stanza, "payload", NS_JSON_MSG);
    const raw = found && childText(found, "json", NS_JSON);
    if (!found || raw === undefined) return undefined;
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
    return el("payload", { xmlns: NS_JSON_MSG, datatype }, el("json", { xmlns: NS_JSON }, text));
  },
});

export const error = field({
  field: "error",
  kinds: ALL_KINDS,
  read(stanza): JsonError | undefined {
    const found = stanza.attrs.type === "error" ? child(stanza, "error", "") : undefined;
    if (!found) return undefined;
    const condition = found
      .getChildElements()
      .find((c) => nsOf(c) === NS_STANZAS && c.getName() !== "text");
    const type = attr(found, "type") ?? "cancel";
    return compact({
      type: (STANZA_ERROR_TYPES.has(type) ? type : "cancel") as StanzaErrorType,
      condition: condition?.getName() ?? "undefined-condition",
      text: childText(found, "text", NS_STANZAS),
      by: attr(found, "by"),
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
    return el(
      "error",
      { type, by },
      el(condition, { xmlns: NS_STANZAS }),
      ...(text === undefined ? [] : [el("text", { xmlns: NS_STANZAS }, text)]),
    );
  },
});
