/**
 * The gate before the socket: a stanza is serialised exactly once, checked against what the
 * XMPP server's parser accepts while it is written, and the resulting text is what goes on the
 * wire. Whatever path a stanza took (any HTTP format, a webhook answer, anything added later),
 * a server that would close the whole component stream for it never sees it: every check here
 * corresponds to a stream error (RFC 6120 §4.9.3: not-well-formed, invalid-xml,
 * bad-namespace-prefix, policy-violation for size).
 */
import type { Element } from "@xmpp/xml";
import { type StanzaError, tooLarge, unprocessable } from "../stanza/errors.js";
import { STANZA_KINDS } from "../stanza/kinds.js";
import { NS } from "../stanza/ns.js";
import { describeName, isNcName, splitQName } from "./xml-names.js";

const XML_NS = "http://www.w3.org/XML/1998/namespace";
const XMLNS_NS = "http://www.w3.org/2000/xmlns/";
// The component stream's default namespace (XEP-0114 §3); a stanza without xmlns is in it.
const COMPONENT_NS: string = NS.component;

/**
 * Deeper trees are refused: the parse limit (100) and the JSON mapping stay far below it, and
 * a bound keeps this recursive writer clear of the stack limit whatever built the tree.
 */
export const WIRE_MAX_DEPTH = 256;

// Text that can be copied as is: no markup characters, nothing outside XML 1.0 §2.2 Char.
// The fast path; anything else goes through the escaping, checking replacement below.
// Non-`u` classes of UTF-16 units: far faster than their `u` forms on short strings; any
// surrogate takes the slow path, which checks pairs properly.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters refused
const PLAIN_TEXT = /^[^&<>\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]*$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters refused
const PLAIN_VALUE = /^[^&<>"\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]*$/;
// Markup to escape, or a character XML forbids (a lone surrogate is one: `u` mode sees pairs whole).
const SPECIAL = /[&<>"]|[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
};

/** Why the gate refused a stanza: 422 for what is not XML the server reads, 413 for size. */
export function notServerXml(text: string): StanzaError {
  return unprocessable(
    `the stanza would not be accepted by the XMPP server: ${text}`,
    "invalid-xml",
  );
}

export function tooLargeForServer(limit: number, size?: number): StanzaError {
  const got = size === undefined ? "more than" : `${size} bytes,`;
  return tooLarge(
    `the stanza as sent would be ${got} not below the XMPP server's limit of ${limit} bytes`,
  );
}

function escapeChecked(text: string, where: string): string {
  return text.replace(SPECIAL, (ch) => {
    const escaped = ESCAPES[ch];
    if (escaped !== undefined) return escaped;
    const code = (ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0");
    throw notServerXml(`${where} holds U+${code}, which XML 1.0 forbids`);
  });
}

/** Prefixes declared by the ancestors, innermost first (a short linked list: prefixes are rare). */
interface Scope {
  readonly prefix: string;
  readonly uri: string;
  readonly parent: Scope | undefined;
}

function lookup(scope: Scope | undefined, prefix: string): string | undefined {
  if (prefix === "xml") return XML_NS;
  for (let s = scope; s; s = s.parent) if (s.prefix === prefix) return s.uri;
  return undefined;
}

/**
 * Writes `stanza` as the text the server will parse, or throws the StanzaError saying why not.
 * The text is strictly smaller than `limit` bytes of UTF-8.
 */
export function serializeForServer(stanza: Element, limit: number): string {
  if (!STANZA_KINDS.has(stanza.name)) {
    throw notServerXml(`<${describeName(stanza.name)}> is not a stanza`);
  }
  const rootNs = stanza.attrs.xmlns;
  if (rootNs !== undefined && rootNs !== COMPONENT_NS) {
    throw notServerXml(`the root's namespace is ${JSON.stringify(rootNs)}`);
  }
  // The text so far. Its UTF-16 length is never more than its UTF-8 bytes, so passing the
  // limit here means the stanza is too large, and the writer stops before it builds something
  // huge (checked per element and per text; string concatenation is V8's fast path).
  let out = "";
  const push = (text: string) => {
    out += text;
  };
  const check = () => {
    if (out.length >= limit) throw tooLargeForServer(limit);
  };

  const writeElement = (el: Element, inherited: Scope | undefined, depth: number): void => {
    if (depth > WIRE_MAX_DEPTH) throw notServerXml(`elements nested deeper than ${WIRE_MAX_DEPTH}`);
    const name = el.name;
    const qname = typeof name === "string" ? splitQName(name) : undefined;
    if (!qname) throw notServerXml(`element name ${describeName(String(name))}`);
    const attrs = el.attrs;
    let scope = inherited;
    let prefixed = 0;
    // Declarations first: they are in force for the element's own name and attributes.
    for (const key in attrs) {
      const value = attrs[key];
      if (value === undefined || value === null) continue;
      if (key === "xmlns") {
        const uri = String(value);
        // Namespaces in XML §3: these two may not be the default namespace (Expat refuses them).
        if (uri === XML_NS || uri === XMLNS_NS) throw notServerXml(`xmlns="${uri}"`);
      } else if (key.startsWith("xmlns:")) {
        const prefix = key.slice(6);
        const uri = String(value);
        if (!isNcName(prefix) || prefix === "xmlns") {
          throw notServerXml(`namespace declaration ${describeName(key)}`);
        }
        // Namespaces in XML §3 "Reserved Prefixes": xml is bound once and for all, xmlns never,
        // and 1.0 cannot undeclare a prefix.
        if (uri === "" || uri === XMLNS_NS || (prefix === "xml") !== (uri === XML_NS)) {
          throw notServerXml(`${key}="${uri.slice(0, 80)}"`);
        }
        scope = { prefix, uri, parent: scope };
      } else if (key.includes(":")) {
        prefixed += 1;
      }
    }
    if (qname.prefix !== undefined && (qname.prefix === "xmlns" || !lookup(scope, qname.prefix))) {
      throw notServerXml(`undeclared prefix in <${describeName(name)}>`);
    }

    check();
    push(`<${name}`);
    for (const key in attrs) {
      const value = attrs[key];
      if (value === undefined || value === null) continue;
      if (key !== "xmlns" && !key.startsWith("xmlns:")) {
        const attr = splitQName(key);
        if (!attr) throw notServerXml(`attribute name ${describeName(key)} on <${name}>`);
        if (attr.prefix !== undefined && !lookup(scope, attr.prefix)) {
          throw notServerXml(`undeclared prefix in attribute ${describeName(key)} on <${name}>`);
        }
      }
      const text = typeof value === "string" ? value : String(value);
      push(` ${key}="`);
      push(PLAIN_VALUE.test(text) ? text : escapeChecked(text, `attribute ${key} on <${name}>`));
      check();
      push('"');
    }
    // Namespaces in XML §6.3: two prefixes bound to one URI must not name the same attribute.
    if (prefixed > 1) checkExpandedNamesUnique(attrs, scope, name);

    const children = el.children;
    if (children.length === 0) {
      push("/>");
      return;
    }
    push(">");
    for (const child of children) {
      if (child === null || child === undefined) continue;
      if (typeof child === "string") {
        push(PLAIN_TEXT.test(child) ? child : escapeChecked(child, `text in <${name}>`));
        check();
      } else if (typeof child === "object" && "children" in child) {
        writeElement(child as Element, scope, depth + 1);
      } else {
        const text = String(child);
        push(PLAIN_TEXT.test(text) ? text : escapeChecked(text, `text in <${name}>`));
      }
    }
    push(`</${name}>`);
  };

  writeElement(stanza, undefined, 1);
  const size = Buffer.byteLength(out, "utf8");
  // Strictly below: Prosody refuses more than its limit, ejabberd (fast_xml) refuses its
  // max_stanza_size itself, so "smaller than the server's number" is safe on both.
  if (size >= limit) throw tooLargeForServer(limit, size);
  return out;
}

function checkExpandedNamesUnique(
  attrs: Record<string, unknown>,
  scope: Scope | undefined,
  element: string,
): void {
  const seen = new Set<string>();
  for (const key in attrs) {
    if (attrs[key] === undefined || attrs[key] === null) continue;
    const colon = key.indexOf(":");
    if (colon === -1 || key.startsWith("xmlns:")) continue;
    const expanded = `${lookup(scope, key.slice(0, colon))}\u0000${key.slice(colon + 1)}`;
    if (seen.has(expanded)) {
      throw notServerXml(`attribute ${describeName(key)} repeated on <${element}>`);
    }
    seen.add(expanded);
  }
}
