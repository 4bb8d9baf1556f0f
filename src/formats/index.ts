import type { Element } from "@xmpp/xml";
import { StanzaError } from "../stanza/errors.js";
import { type MediaType, XMPP_XML } from "./negotiate.js";
import { parseXmlElement, serializeStanza } from "./xml.js";

/** What the HTTP path form supplies besides the body (POST /rest/{kind}/{type}/{to}). */
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
}

const xmlCodec: Codec = {
  decode(body, hints) {
    const { root, namespace } = parseXmlElement(body);
    if (hints.kind !== undefined && root.name !== hints.kind) {
      throw new StanzaError(
        "modify",
        "bad-request",
        `the path says ${hints.kind}, the body <${root.name}>`,
        422,
      );
    }
    if (hints.type !== undefined) root.attrs.type ??= hints.type;
    if (hints.to !== undefined) root.attrs.to ??= hints.to;
    return { stanza: root, namespace };
  },
  encode: serializeStanza,
};

const codecs = new Map<MediaType, Codec>([[XMPP_XML, xmlCodec]]);

/** Media types the bridge can decode and encode, in order of preference. */
export function supportedTypes(): MediaType[] {
  return [...codecs.keys()];
}

export function codecFor(type: MediaType | undefined): Codec | undefined {
  return type === undefined ? undefined : codecs.get(type);
}
