import { describe, expect, it } from "vitest";
import { MAX_DEPTH, parseXmlElement, serializeStanza } from "../../../src/formats/xml.js";
import { StanzaError } from "../../../src/stanza/errors.js";
import { refusal } from "../../helpers/refusal.js";

const parseError = (input: string): StanzaError =>
  refusal(
    () => parseXmlElement(input),
    () => "a parse error",
  );

describe("parseXmlElement", () => {
  it("parses one element with children and text", () => {
    const { root, namespace } = parseXmlElement(
      '<message to="a@b"><body>hi &amp; bye</body></message>',
    );
    expect(namespace).toBe("");
    expect(root.name).toBe("message");
    expect(root.getChildText("body")).toBe("hi & bye");
  });

  it("keeps a child's own namespace and drops a redundant jabber:client", () => {
    const { root, namespace } = parseXmlElement(
      '<message xmlns="jabber:client"><body>x</body><active xmlns="http://jabber.org/protocol/chatstates"/></message>',
    );
    expect(namespace).toBe("jabber:client");
    expect(root.getChild("body")?.attrs.xmlns).toBeUndefined();
    expect(root.getChild("active")?.attrs.xmlns).toBe("http://jabber.org/protocol/chatstates");
  });

  it("resolves prefixed element names declared on the root", () => {
    const { root } = parseXmlElement('<iq xmlns:p="urn:xmpp:ping" type="get"><p:ping/></iq>');
    expect(serializeStanza(root)).toBe('<iq type="get"><ping xmlns="urn:xmpp:ping"/></iq>');
  });

  it("keeps prefixed attributes with their declaration", () => {
    const { root } = parseXmlElement(
      '<message xmlns:a="urn:a"><x xmlns="urn:x" a:b="1"/></message>',
    );
    const x = root.getChild("x");
    expect(x?.attrs["a:b"]).toBe("1");
    expect(x?.attrs["xmlns:a"]).toBe("urn:a");
  });

  it("parses correctly after bodies that stopped mid-document (the parser is reused)", () => {
    // Each failure leaves a parser half-way: unclosed tags, a pending entity, a prefix scope,
    // a second root. None of it may leak into the next body.
    const broken = [
      "<message><body>open",
      '<a:message xmlns:a="urn:x"><a:body>',
      "<message>&amp",
      "<message/><message/>",
      "<message><body>x</body>",
      "",
    ];
    for (const input of broken) {
      expect(parseError(input)).toBeInstanceOf(StanzaError);
      const { root, namespace } = parseXmlElement('<iq id="1"><ping xmlns="urn:xmpp:ping"/></iq>');
      expect(namespace).toBe("");
      expect(root.toString()).toBe('<iq id="1"><ping xmlns="urn:xmpp:ping"/></iq>');
    }
  });

  it("gives each parse its own tree", () => {
    const first = parseXmlElement("<message><body>one</body></message>").root;
    const second = parseXmlElement("<message><body>two</body></message>").root;
    expect(first.getChildText("body")).toBe("one");
    expect(second.getChildText("body")).toBe("two");
    expect(first).not.toBe(second);
  });

  it("keeps xml:lang", () => {
    const { root } = parseXmlElement('<message xml:lang="de"/>');
    expect(root.attrs["xml:lang"]).toBe("de");
  });

  it.each([
    ["an XML declaration", '<?xml version="1.0"?><message/>'],
    ["a DOCTYPE", "<!DOCTYPE message><message/>"],
    ["an entity defined in a DOCTYPE", '<!DOCTYPE m [<!ENTITY e "boom">]><message>&e;</message>'],
    ["an unknown entity", "<message>&lol;</message>"],
    ["two roots", "<message/><message/>"],
    ["an unclosed element", "<message><body></message>"],
    ["no element", "   "],
    ["text outside the root", "hello<message/>"],
    ["an unbound prefix", "<message><x:y/></message>"],
    ["a processing instruction", "<message><?pi x?></message>"],
  ])("rejects %s as not-well-formed (400)", (_what, input) => {
    const err = parseError(input);
    expect(err.status).toBe(400);
    expect(err.condition).toBe("not-well-formed");
  });

  it("refuses nesting deeper than MAX_DEPTH, which would overflow serialisers", () => {
    const deep = (n: number) => `<message to="a@b">${"<a>".repeat(n)}${"</a>".repeat(n)}</message>`;
    expect(parseXmlElement(deep(MAX_DEPTH - 1)).root.name).toBe("message");
    const err = parseError(deep(30_000));
    expect(err.status).toBe(400);
    expect(err.text).toContain(`deeper than ${MAX_DEPTH}`);
  });
});
