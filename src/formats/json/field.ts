/** The contract every JSON field mapping fulfils; index.ts runs them in order. */
import type { Element } from "@xmpp/xml";
import { STANZA_KIND_LIST } from "../../stanza/kinds.js";
import type { JsonStanza, Kind } from "./types.js";

/** What a mapping may need beyond its own element: the stanza kind, and nested stanzas. */
export interface Context {
  readonly kind: Kind;
  /** For XEP-0297 forwarded messages, which are whole stanzas inside a stanza. */
  stanzaToJson(element: Element): JsonStanza;
  jsonToStanza(value: unknown, path: string): Element;
}

export type FieldName = Exclude<keyof JsonStanza, "kind" | "type" | "to" | "from" | "id" | "lang">;

export interface FieldMapping<K extends FieldName = FieldName> {
  readonly field: K;
  /** The kinds this field belongs to; on another kind it is a 422. */
  readonly kinds: readonly Kind[];
  /** Reads the field from a stanza; undefined when the stanza does not carry it. */
  read(stanza: Element, ctx: Context): JsonStanza[K] | undefined;
  /** Builds the element(s) for an untrusted value; throws a 422 StanzaError when it is wrong. */
  write(value: unknown, ctx: Context): Element | Element[] | undefined;
}

/** The union of all mappings, so a list can hold each with its own value type. */
export type AnyFieldMapping = { [K in FieldName]: FieldMapping<K> }[FieldName];

export const ALL_KINDS: readonly Kind[] = STANZA_KIND_LIST;

export function field<K extends FieldName>(mapping: FieldMapping<K>): FieldMapping<K> {
  return mapping;
}
