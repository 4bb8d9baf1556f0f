import xml, { type Element } from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import { BoundedParser } from "../../../src/xmpp/stream-parser.js";

const HEADER =
  '<stream:stream xmlns="jabber:component:accept" xmlns:stream="http://etherx.jabber.org/streams" id="s1">';

/** Every top-level element the parser emits for `chunks`, as strings, and whether the stream ended. */
function parse(make: () => InstanceType<typeof xml.Parser>, chunks: string[]): string[] {
  const parser = make();
  const out: string[] = [];
  parser.on("element", (el: Element) => out.push(el.toString()));
  parser.on("end", () => out.push("(end)"));
  parser.on("error", (err: Error) => out.push(`(error ${err.message})`));
  for (const chunk of chunks) parser.write(chunk);
  return out;
}

describe("the bounded stream parser", () => {
  const big = `<message to="a@b" x="${"&quot;é😀".repeat(1_000)}"><body>${"&amp;<![CDATA[]]>😀é".repeat(5_000)}</body></message>`;
  const small = '<iq type="get" id="1"><ping xmlns="urn:xmpp:ping"/></iq>';
  const stream = `${HEADER}${small}${big}${small}</stream:stream>`;

  it("emits what xmpp.js's own parser emits, however the stream is cut (inside entities and surrogate pairs too; XMPP streams carry no comments, RFC 6120 §11.1)", () => {
    const expected = parse(() => new xml.Parser(), [stream]);
    expect(expected.length).toBe(4);
    for (const size of [7, 2047, 2049, 65_536]) {
      const chunks: string[] = [];
      for (let at = 0; at < stream.length; at += size) chunks.push(stream.slice(at, at + size));
      expect(parse(() => new BoundedParser(), chunks)).toEqual(expected);
    }
  });

  it("reports a malformed stanza inside a large read as xmpp.js's parser does", () => {
    const bad = `${HEADER}<message><body>${"x".repeat(10_000)}</bodyy></message>`;
    const got = parse(() => new BoundedParser(), [bad]);
    expect(got).toEqual(parse(() => new xml.Parser(), [bad]));
    expect(got[0]).toMatch(/^\(error /);
  });
});
