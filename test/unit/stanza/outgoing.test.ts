import { describe, expect, it } from "vitest";
import { parseXmlElement } from "../../../src/formats/xml.js";
import type { StanzaError } from "../../../src/stanza/errors.js";
import { prepareOutgoing } from "../../../src/stanza/outgoing.js";
import { componentFromRule } from "../../../src/xmpp/component.js";
import { refusal } from "../../helpers/refusal.js";

const rules = { fromRule: componentFromRule("rest.example.org") };

function prepare(input: string) {
  const { root, namespace } = parseXmlElement(input);
  return prepareOutgoing(root, namespace, rules);
}

const rejection = (input: string): StanzaError => refusal(() => prepare(input));

describe("prepareOutgoing", () => {
  it("keeps only to, from, id, type and xml:lang on the root", () => {
    const stanza = prepare(
      '<message to="a@b" id="1" type="chat" xml:lang="en" foo="bar" xmlns:x="urn:x"/>',
    );
    expect(stanza.attrs).toEqual({
      to: "a@b",
      from: "rest.example.org",
      id: "1",
      type: "chat",
      "xml:lang": "en",
    });
  });

  it("generates distinct ids when none is given", () => {
    const a = prepare('<message to="a@b"/>').attrs.id;
    const b = prepare('<message to="a@b"/>').attrs.id;
    expect(a).toBeTruthy();
    expect(a).not.toBe(b);
  });

  it.each([
    ["rest.example.org", "rest.example.org"],
    ["Bot@REST.example.org", "bot@rest.example.org"],
    ["bot@rest.example.org/Res", "bot@rest.example.org/Res"],
  ])("accepts from=%s as %s", (from, expected) => {
    expect(prepare(`<message to="a@b" from="${from}"/>`).attrs.from).toBe(expected);
  });

  it.each([
    ["example.org"],
    ["bot@example.org"],
    ["sub.rest.example.org"],
    ["rest.example.org.evil.com"],
  ])("refuses from=%s with 403, so it is never sent", (from) => {
    const err = rejection(`<message to="a@b" from="${from}"/>`);
    expect(err.status).toBe(403);
    expect(err.condition).toBe("forbidden");
  });

  it.each([
    ['<message xmlns="jabber:server" to="a@b"/>', 422, "invalid-namespace"],
    ['<foo to="a@b"/>', 422, "unsupported-stanza-type"],
    ["<message/>", 422, "improper-addressing"],
    ['<message to="@b"/>', 422, "improper-addressing"],
    ['<message to="a@b" from="x@"/>', 422, "invalid-from"],
    ['<iq to="a@b"><ping xmlns="urn:xmpp:ping"/></iq>', 422, "invalid-xml"],
    ['<iq to="a@b" type="error"><ping xmlns="urn:xmpp:ping"/></iq>', 422, "invalid-xml"],
    ['<iq to="a@b" type="get"/>', 422, "bad-format"],
    ['<iq to="a@b" type="set"><a xmlns="urn:a"/><b xmlns="urn:b"/></iq>', 422, "bad-format"],
  ])("rejects %s with %i %s", (input, status, condition) => {
    const err = rejection(input);
    expect(err.status).toBe(status);
    expect(err.condition).toBe(condition);
  });

  it("accepts an iq get with one child and text around it", () => {
    const stanza = prepare('<iq to="a@b" type="get">\n  <ping xmlns="urn:xmpp:ping"/>\n</iq>');
    expect(stanza.getChildElements()).toHaveLength(1);
  });
});
