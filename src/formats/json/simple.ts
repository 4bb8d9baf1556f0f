/** Factories for the three common mapping shapes: a text child, an attribute, a flag element. */
import { boolean, string } from "./check.js";
import { attr, child, el, textEl } from "./dom.js";
import { type FieldMapping, type FieldName, field } from "./field.js";
import type { JsonStanza, Kind } from "./types.js";

/** The fields whose value type is exactly T (the casts below rely on it). */
type FieldsOf<T> = {
  [K in FieldName]-?: NonNullable<JsonStanza[K]> extends T ? K : never;
}[FieldName];

/** `"field": "text"` <-> `<name xmlns=ns>text</name>` ("" ns: the stanza's own namespace). */
export function textField<K extends FieldsOf<string>>(
  name: K,
  kinds: readonly Kind[],
  tag: string,
  ns = "",
): FieldMapping<K> {
  return field<K>({
    field: name,
    kinds,
    read: (stanza) => {
      const found = child(stanza, tag, ns);
      return found ? (found.getText() as never) : undefined;
    },
    write: (value) => textEl(tag, string(value, name), ns ? { xmlns: ns } : {}),
  });
}

/** `"field": "value"` <-> `<tag xmlns=ns attribute="value"/>`. */
export function attrField<K extends FieldsOf<string>>(
  name: K,
  kinds: readonly Kind[],
  tag: string,
  ns: string,
  attribute: string,
): FieldMapping<K> {
  return field<K>({
    field: name,
    kinds,
    read: (stanza) => {
      const found = child(stanza, tag, ns);
      return (found ? attr(found, attribute) : undefined) as never;
    },
    write: (value) => el(tag, { xmlns: ns, [attribute]: string(value, name) }),
  });
}

/** `"field": true` <-> `<tag xmlns=ns/>`; false means no element. */
export function flagField<K extends FieldsOf<boolean>>(
  name: K,
  kinds: readonly Kind[],
  tag: string,
  ns: string,
): FieldMapping<K> {
  return field<K>({
    field: name,
    kinds,
    read: (stanza) => (child(stanza, tag, ns) ? (true as never) : undefined),
    write: (value) => (boolean(value, name) ? el(tag, { xmlns: ns }) : undefined),
  });
}
