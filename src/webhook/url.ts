import type { Element } from "@xmpp/xml";

const PLACEHOLDER = /\{(kind|type|to|from)\}/g;

/**
 * Fills mod_rest's callback URL placeholders from a stanza. Each value is
 * percent-encoded as one path segment or query value, so a JID's `/` or `@`
 * cannot change the URL's shape.
 */
export function expandCallbackUrl(template: string, stanza: Element | undefined): string {
  return template.replace(PLACEHOLDER, (_, name: "kind" | "type" | "to" | "from") => {
    if (!stanza) return "";
    const value = name === "kind" ? stanza.name : (stanza.attrs[name] ?? "");
    return encodeURIComponent(value);
  });
}
