import type { Element } from "@xmpp/xml";
import { notWellFormed, StanzaError, tooLarge, unprocessable } from "../stanza/errors.js";
import { NS } from "../stanza/ns.js";
import { formToStanza, stanzaToForm } from "./form.js";
import { TYPES_BY_KIND } from "./json/basics.js";
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

/** One stanza of a batch: decoded, or why it could not be (it is answered on its own). */
export type BatchItem = Decoded | StanzaError;

/** Several stanzas in one request body: `{"xmpp": [...]}` in JSON, `<xmpp>...</xmpp>` in XML. */
export interface DecodedBatch {
  readonly batch: readonly BatchItem[];
}

/** Stanzas one batch request may carry: bounded work per request. */
export const MAX_BATCH = 1000;

export interface Codec {
  decode(body: string, hints: PathHints): Decoded;
  /** As decode, but a body may also be a batch (JSON and XML only). */
  decodeRequest(body: string, hints: PathHints): Decoded | DecodedBatch;
  encode(stanza: Element): string;
  /** Several stanzas in one body (e.g. an archive query's results and its final iq). */
  encodeMany(stanzas: readonly Element[]): string;
}

function definedHints(hints: PathHints): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(hints)) if (value !== undefined) out[key] = value;
  return out;
}

/** The path form's type for an XML body: the same values the JSON mapping accepts for the kind. */
function pathType(kind: string, type: string): string | undefined {
  const allowed = (TYPES_BY_KIND as Readonly<Record<string, readonly string[]>>)[kind];
  if (allowed && !allowed.includes(type)) {
    throw unprocessable(
      `type: expected one of ${allowed.join(", ")} for a ${kind}, got ${JSON.stringify(type.slice(0, 40))}`,
    );
  }
  // A presence without type is "available" (RFC 6121 §4.7.1); no such attribute value exists.
  return kind === "presence" && type === "available" ? undefined : type;
}

function notABatch(decoded: Decoded | DecodedBatch): Decoded {
  if ("batch" in decoded) {
    throw unprocessable("one stanza expected here, not a batch");
  }
  return decoded;
}

function checkBatch(hints: PathHints, count: number): void {
  if (Object.values(hints).some((v) => v !== undefined)) {
    throw unprocessable("a batch is sent with POST /rest, not the path form");
  }
  if (count === 0) {
    throw unprocessable("a batch needs at least one stanza");
  }
  if (count > MAX_BATCH) {
    throw tooLarge(`a batch holds at most ${MAX_BATCH} stanzas`);
  }
}

/** Runs `decode` for one batch item; its StanzaError is the item's answer, not the request's. */
function batchItem(decode: () => Decoded): BatchItem {
  try {
    return decode();
  } catch (err) {
    if (err instanceof StanzaError) return err;
    throw err;
  }
}

/**
 * The stanzas inside mod_rest's `<xmpp>` wrapper, each with the namespace it would have had
 * as a root of its own (so each is checked as if sent alone).
 */
function xmlBatch(wrapper: Element, hints: PathHints): DecodedBatch {
  if (wrapper.children.some((c) => typeof c === "string" && c.trim() !== "")) {
    throw notWellFormed("text between the stanzas of an <xmpp> batch");
  }
  const stanzas = wrapper.getChildElements();
  checkBatch(hints, stanzas.length);
  return {
    batch: stanzas.map((stanza) => {
      const namespace = stanza.attrs.xmlns ?? "";
      delete stanza.attrs.xmlns;
      stanza.parent = null;
      return { stanza, namespace };
    }),
  };
}

const xmlCodec: Codec = {
  decode: (body, hints) => notABatch(xmlCodec.decodeRequest(body, hints)),
  decodeRequest(body, hints) {
    const { root, namespace } = parseXmlElement(body);
    if (root.name === "xmpp" && (namespace === "" || namespace === NS.client)) {
      return xmlBatch(root, hints);
    }
    if (hints.kind !== undefined && root.name !== hints.kind) {
      throw unprocessable(`the path says ${hints.kind}, the body is <${root.name}>`);
    }
    if (hints.type !== undefined) {
      const type = pathType(root.name, hints.type);
      if (type === undefined) delete root.attrs.type;
      else root.attrs.type = type;
    }
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
  decode: (body, hints) => notABatch(jsonCodec.decodeRequest(body, hints)),
  decodeRequest(body, hints) {
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch (err) {
      throw notWellFormed(`invalid JSON: ${(err as Error).message}`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw unprocessable("the JSON body must be an object");
    }
    const obj = value as Record<string, unknown>;
    if (obj.xmpp !== undefined && obj.xmpp !== null) {
      if (!Array.isArray(obj.xmpp)) {
        throw unprocessable("xmpp: expected an array of stanzas");
      }
      const items: unknown[] = obj.xmpp;
      checkBatch(hints, items.length);
      return {
        batch: items.map((item) =>
          batchItem(() => ({ stanza: defaultIqType(jsonToStanza(item)), namespace: "" })),
        ),
      };
    }
    return {
      stanza: defaultIqType(jsonToStanza({ ...obj, ...definedHints(hints) })),
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
  decodeRequest: (body, hints) => formCodec.decode(body, hints),
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
      throw unprocessable(
        "text/plain needs the path form: POST /rest/message/{type}/{to}",
        "improper-addressing",
      );
    }
    return { stanza: textToStanza(body, definedHints(hints)), namespace: "" };
  },
  decodeRequest: (body, hints) => textCodec.decode(body, hints),
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
