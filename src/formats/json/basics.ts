/**
 * The stanza itself: kind, type and addressing attributes, and how a missing `kind` is
 * implied by the type or by the fields present (mod_rest's rules).
 */
import type { Element } from "@xmpp/xml";
import { unprocessable } from "../../stanza/errors.js";
import { STANZA_KIND_LIST } from "../../stanza/kinds.js";
import { invalid, isAbsent, oneOf, optString } from "./check.js";
import { attr, el } from "./dom.js";
import type { AnyFieldMapping } from "./field.js";
import type { JsonStanza, Kind } from "./types.js";

export const KINDS: readonly Kind[] = STANZA_KIND_LIST;

/** RFC 6120 §8.2.3 and RFC 6121 §§4.7.1, 5.2.2; "available" stands for a presence without type. */
export const TYPES_BY_KIND: Readonly<Record<Kind, readonly string[]>> = {
  message: ["normal", "chat", "groupchat", "headline", "error"],
  presence: [
    "available",
    "unavailable",
    "subscribe",
    "subscribed",
    "unsubscribe",
    "unsubscribed",
    "probe",
    "error",
  ],
  iq: ["get", "set", "result", "error"],
};

function kindOfType(type: string): Kind | undefined {
  if (type === "error") return undefined;
  return KINDS.find((k) => TYPES_BY_KIND[k].includes(type));
}

/** The basic attributes of a stanza element as JSON. */
export function readBasics(stanza: Element): JsonStanza {
  const kind = stanza.getName();
  if (kind !== "message" && kind !== "presence" && kind !== "iq") {
    throw unprocessable(`<${kind}> is not a stanza`, "unsupported-stanza-type");
  }
  const json: JsonStanza = { kind };
  const type = attr(stanza, "type") ?? (kind === "presence" ? "available" : undefined);
  if (type !== undefined) json.type = type;
  for (const name of ["to", "from", "id"] as const) {
    const value = attr(stanza, name);
    if (value !== undefined) json[name] = value;
  }
  const lang = attr(stanza, "xml:lang");
  if (lang !== undefined) json.lang = lang;
  return json;
}

// Fields that belong to several kinds only imply iq when nothing else says otherwise, as in
// GET /rest/archive/{to} and GET /rest/oob/{to}.
const WEAK_IQ_FIELDS = ["archive", "oob"];

/** The kind a JSON stanza is of: given, or implied by its type, or by its fields. */
export function resolveKind(
  obj: Record<string, unknown>,
  mappings: readonly AnyFieldMapping[],
): Kind {
  const given = isAbsent(obj.kind) ? undefined : oneOf(obj.kind, "kind", KINDS);
  const type = optString(obj.type, "type");
  const implied = new Map<Kind, string>();
  const fromType = type === undefined ? undefined : kindOfType(type);
  if (fromType) implied.set(fromType, `type ${JSON.stringify(type)}`);
  for (const m of mappings) {
    const [only] = m.kinds;
    if (m.kinds.length === 1 && only && !isAbsent(obj[m.field]) && !implied.has(only)) {
      implied.set(only, `field ${m.field}`);
    }
  }
  if (given !== undefined) {
    for (const [kind, reason] of implied) {
      if (kind !== given)
        throw invalid("kind", `a kind that agrees with ${reason} (${kind})`, given);
    }
    return given;
  }
  if (implied.size > 1) {
    const reasons = [...implied].map(([kind, reason]) => `${reason} (${kind})`).join(" and ");
    throw invalid("kind", `one kind, but ${reasons} disagree`);
  }
  const [only] = implied.keys();
  if (only) return only;
  if (WEAK_IQ_FIELDS.some((f) => !isAbsent(obj[f]))) return "iq";
  throw invalid("kind", "message, presence or iq (not implied by the type or any field)");
}

/** The stanza element with its basic attributes; `type` is checked against the kind. */
export function writeBasics(obj: Record<string, unknown>, kind: Kind): Element {
  let type = optString(obj.type, "type");
  if (type === undefined && !isAbsent(obj.error)) type = "error";
  if (type !== undefined && !TYPES_BY_KIND[kind].includes(type)) {
    throw invalid("type", `one of ${TYPES_BY_KIND[kind].join(", ")} for a ${kind}`, type);
  }
  if (!isAbsent(obj.error) && type !== "error") {
    throw invalid("error", `the stanza type to be "error" with it, not ${JSON.stringify(type)}`);
  }
  const attrs: Record<string, string> = {};
  if (type !== undefined && !(kind === "presence" && type === "available")) attrs.type = type;
  for (const name of ["to", "from", "id"] as const) {
    const value = optString(obj[name], name);
    if (value !== undefined) attrs[name] = value;
  }
  const lang = optString(obj.lang, "lang");
  if (lang !== undefined) attrs["xml:lang"] = lang;
  return el(kind, attrs);
}
