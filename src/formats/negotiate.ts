/** Media types the bridge reads and writes (mod_rest's set). */
export const XMPP_XML = "application/xmpp+xml";
export const JSON_TYPE = "application/json";
export const FORM = "application/x-www-form-urlencoded";
export const TEXT = "text/plain";

export type MediaType = typeof XMPP_XML | typeof JSON_TYPE | typeof FORM | typeof TEXT;

const ALIASES: Readonly<Record<string, MediaType>> = {
  "application/xmpp+xml": XMPP_XML,
  "application/xml": XMPP_XML,
  "text/xml": XMPP_XML,
  xml: XMPP_XML,
  "application/json": JSON_TYPE,
  json: JSON_TYPE,
  "application/x-www-form-urlencoded": FORM,
  form: FORM,
  "text/plain": TEXT,
  text: TEXT,
};

/** The media type named by a Content-Type header or shorthand, parameters ignored. */
export function mediaTypeOf(header: string | undefined): MediaType | undefined {
  if (!header) return undefined;
  const essence = header.split(";", 1)[0]?.trim().toLowerCase() ?? "";
  return ALIASES[essence];
}

interface AcceptEntry {
  readonly range: string;
  readonly q: number;
  readonly order: number;
}

function parseAccept(header: string): AcceptEntry[] {
  const entries: AcceptEntry[] = [];
  header.split(",").forEach((part, order) => {
    const [rangeText, ...params] = part.split(";");
    const range = rangeText?.trim().toLowerCase();
    if (!range) return;
    let q = 1;
    for (const param of params) {
      const [name, value] = param.split("=").map((s) => s.trim());
      if (name?.toLowerCase() === "q") q = Number(value);
    }
    if (Number.isFinite(q) && q > 0) entries.push({ range, q, order });
  });
  return entries.sort((a, b) => b.q - a.q || a.order - b.order);
}

/** The media types an Accept header names (no wildcards), most preferred first (RFC 9110 §12.5.1). */
export function acceptedTypes(accept: string): MediaType[] {
  const types: MediaType[] = [];
  for (const entry of parseAccept(accept)) {
    const type = ALIASES[entry.range];
    if (type !== undefined) types.push(type);
  }
  return types;
}

function matches(range: string, type: MediaType): boolean {
  if (range === "*/*") return true;
  if (range.endsWith("/*")) return type.startsWith(range.slice(0, -1));
  return ALIASES[range] === type;
}

/**
 * Picks the response format: the best of `offered` that Accept allows, else the
 * request's own Content-Type if offered, else the first offered (mod_rest's order).
 */
export function negotiate(
  accept: string | undefined,
  contentType: string | undefined,
  offered: readonly MediaType[],
): MediaType {
  const fallback = offered[0] ?? XMPP_XML;
  if (accept) {
    for (const entry of parseAccept(accept)) {
      if (entry.range === "*/*") break;
      const hit = offered.find((type) => matches(entry.range, type));
      if (hit) return hit;
    }
  }
  const own = mediaTypeOf(contentType);
  if (own && offered.includes(own)) return own;
  return fallback;
}
