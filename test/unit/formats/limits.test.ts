/**
 * A hostile body costs O(size): parsing stops at the first limit it meets (README,
 * "Security"); the path form checks its type against the kind whatever the body's format.
 */
import { describe, expect, it } from "vitest";
import { codecFor } from "../../../src/formats/index.js";
import { MAX_ELEMENTS, parseXmlElement } from "../../../src/formats/xml.js";
import { refusal } from "../../helpers/refusal.js";

const cpuMs = (run: () => unknown) => {
  const started = process.cpuUsage();
  try {
    run();
  } catch {}
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000;
};

describe("parsing stops at the first limit", () => {
  it("refuses 60,000 nested elements at depth 101 without reading on", () => {
    const body = `<message to="bob@localhost">${"<a>".repeat(60_000)}${"</a>".repeat(60_000)}</message>`;
    expect(refusal(() => parseXmlElement(body)).text).toContain("deeper than 100");
    // CPU time, so a loaded machine does not make it flaky: reading the whole body would take
    // seconds, stopping at the limit well under a millisecond.
    expect(cpuMs(() => parseXmlElement(body))).toBeLessThan(200);
  });

  it(`refuses more than ${MAX_ELEMENTS} elements with 413`, () => {
    const body = `<message to="bob@localhost">${"<b/>".repeat(MAX_ELEMENTS + 1)}</message>`;
    const err = refusal(() => parseXmlElement(body));
    expect(err.status).toBe(413);
    expect(
      parseXmlElement(`<message>${"<b/>".repeat(MAX_ELEMENTS - 1)}</message>`).root.children,
    ).toHaveLength(MAX_ELEMENTS - 1);
  });

  it.each([
    ["U+FFFD in an element name (invalid UTF-8 decodes to it)", "<message><a\uFFFD/></message>"],
    ["U+FEFF in an element name", "<message><bo\uFEFFdy>x</bo\uFEFFdy></message>"],
    ["U+FFFD in an attribute name", '<message><a b\uFFFD="1"/></message>'],
    ["U+FFFD in a prefix", '<message><p\uFFFD:a xmlns:p\uFFFD="u"/></message>'],
  ])("refuses %s with 422", (_, body) => {
    const err = refusal(() => parseXmlElement(body));
    expect(err.status).toBe(422);
    expect(err.condition).toBe("invalid-xml");
  });

  it("stops at the first error even when more follow", () => {
    const body = `<message><a\uFFFD/>${"<b>".repeat(60_000)}</message>`;
    expect(cpuMs(() => parseXmlElement(body))).toBeLessThan(200);
  });
});

describe("path form with an XML body", () => {
  const xmlCodec = codecFor("application/xmpp+xml");

  it.each(["\u0001", "\u0000", "\uFFFE", "bogus"])("refuses the type %j with 422", (type) => {
    const err = refusal(() =>
      xmlCodec?.decode("<presence/>", { kind: "presence", type, to: "bob@localhost" }),
    );
    expect(err.status).toBe(422);
  });

  it("takes a valid type, and 'available' as no type", () => {
    expect(
      xmlCodec?.decode("<message/>", { kind: "message", type: "chat" }).stanza.attrs.type,
    ).toBe("chat");
    const presence = xmlCodec?.decode('<presence type="unavailable"/>', {
      kind: "presence",
      type: "available",
    });
    expect(presence?.stanza.attrs.type).toBeUndefined();
  });
});
