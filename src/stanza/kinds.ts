/** The three stanza kinds (RFC 6120 §8): one list, the types derive from it. */
export const STANZA_KIND_LIST = ["message", "presence", "iq"] as const;

export type StanzaKind = (typeof STANZA_KIND_LIST)[number];

export const STANZA_KINDS: ReadonlySet<string> = new Set(STANZA_KIND_LIST);

export function isStanzaKind(name: string): name is StanzaKind {
  return STANZA_KINDS.has(name);
}
