/**
 * JIDs as RFC 7622 describes them, normalised the way an XMPP server compares
 * them: localpart and domain case-folded (§3.2, §3.3), resource kept as given
 * apart from Unicode normalisation (§3.4).
 */

export interface Jid {
  readonly local: string;
  readonly domain: string;
  readonly resource: string;
}

const MAX_PART_BYTES = 1023;
// RFC 7622 §3.3.1: characters a localpart may never hold.
const FORBIDDEN_IN_LOCAL = /["&'/:<>@\s\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Cn}]/u;
const FORBIDDEN_IN_RESOURCE = /[\p{Cc}\p{Cs}\p{Co}\p{Cn}\u200e\u200f\u202a-\u202e\ufff9-\ufffd]/u;
const DOMAIN_LABEL = /^[\p{L}\p{N}\p{M}](?:[\p{L}\p{N}\p{M}-]*[\p{L}\p{N}\p{M}])?$/u;
const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6_LITERAL = /^\[[0-9a-f:.]+\]$/;
const RTL = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]/u;
const LTR_LETTER = /[\p{L}](?<![\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc])/u;

function byteLength(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

/** RFC 5893 (bidi rule, simplified): right-to-left text may not be mixed with left-to-right letters. */
function bidiOk(part: string): boolean {
  if (!RTL.test(part)) return true;
  return !LTR_LETTER.test(part);
}

function normaliseLocal(raw: string): string | undefined {
  const local = raw.normalize("NFKC").toLowerCase().normalize("NFC");
  if (local.length === 0 || byteLength(local) > MAX_PART_BYTES) return undefined;
  if (FORBIDDEN_IN_LOCAL.test(local) || !bidiOk(local)) return undefined;
  return local;
}

function normaliseDomain(raw: string): string | undefined {
  let domain = raw.normalize("NFKC").toLowerCase();
  if (domain.endsWith(".")) domain = domain.slice(0, -1);
  if (domain.length === 0 || byteLength(domain) > MAX_PART_BYTES) return undefined;
  if (IPV4.test(domain) || IPV6_LITERAL.test(domain)) return domain;
  const labels = domain.split(".");
  if (labels.some((label) => label.length > 63 || !DOMAIN_LABEL.test(label))) return undefined;
  if (!bidiOk(domain)) return undefined;
  return domain;
}

function normaliseResource(raw: string): string | undefined {
  const resource = raw.normalize("NFC");
  if (resource.length === 0 || byteLength(resource) > MAX_PART_BYTES) return undefined;
  if (FORBIDDEN_IN_RESOURCE.test(resource) || !bidiOk(resource)) return undefined;
  return resource;
}

/** Parses and normalises a JID; undefined when the string cannot be one. */
export function parseJid(input: string): Jid | undefined {
  const slash = input.indexOf("/");
  const bareText = slash === -1 ? input : input.slice(0, slash);
  const resourceText = slash === -1 ? undefined : input.slice(slash + 1);
  const at = bareText.indexOf("@");
  const localText = at === -1 ? undefined : bareText.slice(0, at);
  const domainText = at === -1 ? bareText : bareText.slice(at + 1);

  const domain = normaliseDomain(domainText);
  if (domain === undefined) return undefined;
  let local = "";
  if (localText !== undefined) {
    const normalised = normaliseLocal(localText);
    if (normalised === undefined) return undefined;
    local = normalised;
  }
  let resource = "";
  if (resourceText !== undefined) {
    const normalised = normaliseResource(resourceText);
    if (normalised === undefined) return undefined;
    resource = normalised;
  }
  return { local, domain, resource };
}

export function jidToString(jid: Jid): string {
  const bare = jid.local ? `${jid.local}@${jid.domain}` : jid.domain;
  return jid.resource ? `${bare}/${jid.resource}` : bare;
}

export function bareJid(jid: Jid): Jid {
  return { local: jid.local, domain: jid.domain, resource: "" };
}

/** parseJid's signature, for code that takes a (possibly caching) parser. */
export type JidParser = (input: string) => Jid | undefined;

/**
 * parseJid remembering the last `size` valid JIDs it parsed: a bridge sends to the same few
 * addresses over and over, and normalising (case folding, length and bidi checks) showed in
 * profiles. Bounded by clearing when full (no eviction bookkeeping on the hot path); invalid
 * input is never stored, so junk cannot crowd the cache. One per bridge, no module state.
 */
export function createJidParser(size = 1024): JidParser {
  const known = new Map<string, Jid>();
  return (input) => {
    const hit = known.get(input);
    if (hit) return hit;
    const jid = parseJid(input);
    if (jid) {
      if (known.size >= size) known.clear();
      // Frozen: the same object is handed to every caller.
      known.set(input, Object.freeze(jid));
    }
    return jid;
  };
}

/** The normalised form of a JID string, or undefined when it is not a JID. */
export function normaliseJid(input: string): string | undefined {
  const jid = parseJid(input);
  return jid && jidToString(jid);
}

/** The forms of address mod_rest's callback filter tells apart (rest_callback_events). */
export const ADDRESS_FORMS = ["bare", "full", "host"] as const;
export type AddressForm = (typeof ADDRESS_FORMS)[number];

/** What form of address a JID is: host (domain), bare (local@domain), full (with a resource). */
export function addressForm(jid: Jid): AddressForm {
  if (jid.resource) return "full";
  return jid.local ? "bare" : "host";
}
