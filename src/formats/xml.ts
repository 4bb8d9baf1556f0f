import xml, { type Element } from "@xmpp/xml";
import { SaxesParser, type SaxesTagNS } from "saxes";
import {
  badRequest,
  notWellFormed,
  type StanzaError,
  tooLarge,
  unprocessable,
} from "../stanza/errors.js";
import { NS } from "../stanza/ns.js";
import { describeName, isNcName } from "./xml-names.js";

const XML_NS = "http://www.w3.org/XML/1998/namespace";

/**
 * Deepest element nesting accepted. Real stanzas stay far below it; much deeper
 * trees would overflow the stack of every recursive serialiser on the way.
 */
export const MAX_DEPTH = 100;

/**
 * Most elements in one stanza. Prosody refuses more than 25,000 on client and server streams
 * (c2s_max_child_elements, s2s_max_child_elements in 0.12), so a larger stanza could not be
 * delivered anyway; the bound also keeps the cost of one body's tree small.
 */
export const MAX_ELEMENTS = 25_000;

// XML 1.0 §2.2 Char: anything else (NUL, most C0 controls, lone surrogates, U+FFFE/U+FFFF)
// is not XML at all, and a server closes the whole component stream on it.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const NOT_XML_CHARS = new RegExp(NOT_XML_CHAR.source, "gu");

/** The first character XML 1.0 forbids in `text`, if any. */
export function findNonXmlChar(text: string): string | undefined {
  return NOT_XML_CHAR.exec(text)?.[0];
}

/** `text` without the characters XML 1.0 forbids. */
export function stripNonXmlChars(text: string): string {
  return text.replace(NOT_XML_CHARS, "");
}

/** Namespace an element lives in; the empty namespace and jabber:client are the same here. */
function contentNamespace(uri: string): string {
  return uri === NS.client ? "" : uri;
}

/** What one parse builds; the parser's handlers write into the current one. */
interface ParseRun {
  readonly stack: { el: Element; ns: string }[];
  root: Element | undefined;
  rootNamespace: string;
  failure: StanzaError | undefined;
  elements: number;
}

interface ElementParser {
  readonly parser: SaxesParser<{ xmlns: true; position: false }>;
  /** Makes `run` the one the handlers build into. */
  use(run: ParseRun): void;
}

/**
 * A SaxesParser with this module's handlers, parsing into whichever run is current. Building
 * one per body (the parser, its state table and ten handler closures) cost more than parsing a
 * small stanza, so parseXmlElement() keeps one and reuses it: saxes resets itself at the end of
 * a document, and a parse that stopped half-way drops its parser (see there).
 */
function createElementParser(): ElementParser {
  const parser = new SaxesParser({ xmlns: true, position: false });
  let run: ParseRun = newRun();

  // Parsing stops at the first problem: saxes would carry on after reporting an error, and
  // past a limit its work per tag grows with the depth, so a hostile body could cost seconds.
  const stop = (error: StanzaError): never => {
    run.failure ??= error;
    throw run.failure;
  };
  const fail = (text: string): never => stop(notWellFormed(text));
  const checkName = (what: string, name: string) => {
    // Names saxes accepts but the server's parser (Expat) does not would close the stream.
    if (!isNcName(name)) {
      stop(
        unprocessable(
          `${what} name ${describeName(name)}: the XMPP server would not accept it`,
          "invalid-xml",
        ),
      );
    }
  };

  parser.on("error", (err) => fail(err.message));
  parser.on("xmldecl", () => fail("an XML declaration is not allowed"));
  parser.on("doctype", () => fail("a DOCTYPE is not allowed"));
  parser.on("processinginstruction", () => fail("processing instructions are not allowed"));
  parser.on("opentag", (tag: SaxesTagNS) => {
    const { stack } = run;
    if (run.root && stack.length === 0) {
      fail("exactly one root element is allowed");
      return;
    }
    if (stack.length >= MAX_DEPTH) {
      stop(badRequest(`elements nested deeper than ${MAX_DEPTH}`));
    }
    run.elements += 1;
    if (run.elements > MAX_ELEMENTS) {
      stop(tooLarge(`more than ${MAX_ELEMENTS} elements in one stanza`));
    }
    checkName("element", tag.local);
    if (tag.prefix) checkName("prefix", tag.prefix);
    const uri = tag.uri ?? "";
    const parent = stack[stack.length - 1];
    const el = new xml.Element(tag.local);
    // Inside the stanza's own (client) namespace, jabber:client and the empty namespace are one.
    const ns = !parent || parent.ns === "" ? contentNamespace(uri) : uri;
    if (parent && ns !== parent.ns) el.attrs.xmlns = ns;
    const attributes = tag.attributes;
    for (const key in attributes) {
      const attr = attributes[key];
      if (attr === undefined) continue;
      checkName("attribute", attr.local);
      if (attr.prefix) checkName("prefix", attr.prefix);
      if (attr.prefix === "xmlns" || attr.name === "xmlns") continue;
      if (attr.uri === XML_NS) {
        el.attrs[`xml:${attr.local}`] = attr.value;
      } else if (attr.prefix && attr.uri) {
        el.attrs[`${attr.prefix}:${attr.local}`] = attr.value;
        el.attrs[`xmlns:${attr.prefix}`] = attr.uri;
      } else {
        el.attrs[attr.local] = attr.value;
      }
    }
    if (parent) {
      parent.el.append(el);
    } else {
      run.root = el;
      run.rootNamespace = uri;
    }
    stack.push({ el, ns });
  });
  parser.on("closetag", () => {
    run.stack.pop();
  });
  const onText = (text: string) => {
    const top = run.stack[run.stack.length - 1];
    if (top) top.el.append(text);
    else if (text.trim() !== "") fail("text outside the root element");
  };
  parser.on("text", onText);
  parser.on("cdata", onText);

  return {
    parser,
    use(next) {
      run = next;
    },
  };
}

function newRun(): ParseRun {
  return { stack: [], root: undefined, rootNamespace: "", failure: undefined, elements: 0 };
}

/**
 * Strictly parses one XML element (the payload format: one root, no XML
 * declaration, no DOCTYPE, no processing instructions). Namespaces are resolved,
 * so the returned tree is self-contained: every element whose namespace differs
 * from its parent's carries its own `xmlns`, prefixes are gone from element
 * names, and a prefixed attribute carries its own `xmlns:prefix`. That keeps the
 * tree well-formed wherever it is serialised, even after root attributes are
 * dropped. The root's own namespace is returned separately.
 */
export const parseXmlElement = (() => {
  // The one reused parser (see createElementParser). Parsing is synchronous and calls no
  // outside code, so two parses never overlap on it.
  let idle: ElementParser | undefined;
  return (input: string): { root: Element; namespace: string } => {
    const current = idle ?? createElementParser();
    idle = undefined;
    const run = newRun();
    current.use(run);
    try {
      current.parser.write(input).close();
    } catch (err) {
      // Stopped mid-document: this parser's state is not reset, so it is not reused.
      if (run.failure) throw run.failure;
      throw notWellFormed(err instanceof Error ? err.message : String(err));
    }
    // Only a parser that finished its document cleanly (and so reset itself) goes back.
    current.use(newRun());
    idle = current;
    if (!run.root) throw notWellFormed("no root element");
    return { root: run.root, namespace: run.rootNamespace };
  };
})();

/**
 * Serialises a stanza in the payload format: no XML declaration and no `xmlns`
 * on the root, so a plain XML parser in any language sees `message`, `presence`
 * or `iq` (mod_rest's convention).
 */
export function serializeStanza(stanza: Element): string {
  const { xmlns: _dropped, ...attrs } = stanza.attrs;
  const copy = new xml.Element(stanza.name, attrs);
  copy.children = stanza.children;
  return copy.toString();
}
