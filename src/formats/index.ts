import type { Element } from "@xmpp/xml";
import { StanzaError } from "../stanza/errors.js";
import { NS } from "../stanza/ns.js";
import { formToStanza, stanzaToForm } from "./form.js";
import { jsonToStanza, stanzasToJson, stanzaToJson } from "./json/index.js";
import { FORM, JSON_TYPE, type MediaType, TEXT, XMPP_XML } from "./negotiate.js";
import { stanzaToText, textToStanza } from "./text.js";
import { parseXmlElement, serializeStanza } from "./xml.js";

/** What the HTTP path form supplies besides the body (POST /rest/{kind}/{type}/{to}); it wins over the body. */
export interface PathHints {
  readonly kind?: string;
  readonly type?: string;
  readonly to?: string;
}

export interface Decoded {
  readonly stanza: Element;
  /** The root's namespace as written; only XML input can carry one. */
  readonly namespace: string;
}

export interface Codec {
  decode(body: string, hints: PathHints): Decoded;
  encode(stanza: Element): string;
  /** Several stanzas in one body (e.g. an archive query's results and its final iq). */
  encodeMany(stanzas: readonly Element[]): string;
}

function definedHints(hints: PathHints): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(hints)) if (value !== undefined) out[key] = value;
  return out;
}

const xmlCodec: Codec = {
  decode(body, hints) {
    const { root, namespace } = parseXmlElement(body);
    if (hints.kind !== undefined && root.name !== hints.kind) {
      throw new StanzaError("modify", "bad-request", {
        text: `the path says ${hints.kind}, the body is <${root.name}>`,
        status: 422,
      });
    }
    if (hints.type !== undefined) root.attrs.type = hints.type;
    if (hints.to !== undefined) root.attrs.to = hints.to;
    return { stanza: root, namespace };
  },
  encode: serializeStanza,
  // mod_rest's wrapper for several stanzas; the wrapper has no namespace of its own.
  encodeMany: (stanzas) => `<xmpp>${stanzas.map(serializeStanza).join("")}</xmpp>`,
};

/**
 * JSON and form callers may leave out an iq's type: asking (get) is what a bare payload means,
 * except for an ad-hoc command or a MAM query, which are sets (XEP-0050 §4, XEP-0313 §4; as
 * mod_rest implies them).
 */
function defaultIqType(stanza: Element): Element {
  if (stanza.name !== "iq" || stanza.attrs.type !== undefined) return stanza;
  const isSet =
    stanza.getChild("command", NS.commands) !== undefined ||
    stanza.getChild("query", NS.mam) !== undefined;
  stanza.attrs.type = isSet ? "set" : "get";
  return stanza;
}

const jsonCodec: Codec = {
  decode(body, hints) {
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch (err) {
      throw new StanzaError("modify", "not-well-formed", {
        text: `invalid JSON: ${(err as Error).message}`,
        status: 400,
      });
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new StanzaError("modify", "bad-request", {
        text: "the JSON body must be an object",
        status: 422,
      });
    }
    return {
      stanza: defaultIqType(jsonToStanza({ ...value, ...definedHints(hints) })),
      namespace: "",
    };
  },
  encode: (stanza) => JSON.stringify(stanzaToJson(stanza)),
  encodeMany: (stanzas) => JSON.stringify(stanzasToJson(stanzas)),
};

const formCodec: Codec = {
  decode: (body, hints) => ({
    stanza: defaultIqType(formToStanza(body, definedHints(hints))),
    namespace: "",
  }),
  encode: stanzaToForm,
  // A form holds one flat object; of several stanzas the last (the final answer) is kept.
  encodeMany: (stanzas) => {
    const last = stanzas[stanzas.length - 1];
    return last ? stanzaToForm(last) : "";
  },
};

const textCodec: Codec = {
  decode(body, hints) {
    if (hints.to === undefined) {
      throw new StanzaError("modify", "improper-addressing", {
        text: "text/plain needs the path form: POST /rest/message/{type}/{to}",
        status: 422,
      });
    }
    return { stanza: textToStanza(body, definedHints(hints)), namespace: "" };
  },
  encode: stanzaToText,
  encodeMany: (stanzas) => stanzas.map(stanzaToText).join("\n"),
};

const codecs: ReadonlyMap<MediaType, Codec> = new Map<MediaType, Codec>([
  [XMPP_XML, xmlCodec],
  [JSON_TYPE, jsonCodec],
  [FORM, formCodec],
  [TEXT, textCodec],
]);

/** Formats the bridge reads: request bodies and webhook answers. */
export const REQUEST_TYPES: readonly MediaType[] = [XMPP_XML, JSON_TYPE, FORM, TEXT];
/** Formats a stanza is answered in, by preference when nothing asks (mod_rest's order). */
export const RESPONSE_TYPES: readonly MediaType[] = [XMPP_XML, JSON_TYPE, FORM];

export function codecFor(type: MediaType | undefined): Codec | undefined {
  return type === undefined ? undefined : codecs.get(type);
}
