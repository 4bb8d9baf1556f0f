import xml from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import { encodeBatchResults } from "../../../src/formats/batch.js";
import { codecFor, MAX_BATCH } from "../../../src/formats/index.js";
import { JSON_TYPE, XMPP_XML } from "../../../src/formats/negotiate.js";
import { StanzaError } from "../../../src/stanza/errors.js";

const json = codecFor(JSON_TYPE);
const xmlCodec = codecFor(XMPP_XML);

describe("batch bodies", () => {
  it("decodes a JSON batch item by item, a bad item as its own error", () => {
    const decoded = json?.decodeRequest(
      JSON.stringify({ xmpp: [{ to: "a@b.example", body: "x" }, { body: 5 }, { ping: true }] }),
      {},
    );
    expect(decoded && "batch" in decoded).toBe(true);
    if (!decoded || !("batch" in decoded)) return;
    const [ok, bad, iq] = decoded.batch;
    expect(ok).not.toBeInstanceOf(StanzaError);
    expect(bad).toBeInstanceOf(StanzaError);
    expect((bad as StanzaError).status).toBe(422);
    expect(iq && !(iq instanceof StanzaError) && iq.stanza.attrs.type).toBe("get");
  });

  it("refuses a batch where one stanza is expected (webhook answers, echo)", () => {
    expect(() => json?.decode('{"xmpp":[{"body":"x"}]}', {})).toThrow(
      expect.objectContaining({ status: 422 }),
    );
    expect(() => xmlCodec?.decode("<xmpp><message/></xmpp>", {})).toThrow(
      expect.objectContaining({ status: 422 }),
    );
  });

  it("refuses an xmpp member that is not a list, and more than MAX_BATCH stanzas", () => {
    expect(() => json?.decodeRequest('{"xmpp":{"body":"x"}}', {})).toThrow(
      expect.objectContaining({ status: 422 }),
    );
    const many = JSON.stringify({ xmpp: Array.from({ length: MAX_BATCH + 1 }, () => ({})) });
    expect(() => json?.decodeRequest(many, {})).toThrow(expect.objectContaining({ status: 413 }));
  });

  it("refuses text between the stanzas of an XML batch", () => {
    expect(() => xmlCodec?.decodeRequest("<xmpp>hi<message/></xmpp>", {})).toThrow(
      expect.objectContaining({ status: 400 }),
    );
  });

  it("treats a namespaced <xmpp> root as a stanza, not a batch", () => {
    const decoded = xmlCodec?.decodeRequest('<xmpp xmlns="urn:example"><message/></xmpp>', {});
    expect(decoded && "stanza" in decoded && decoded.namespace).toBe("urn:example");
  });
});

describe("batch answers", () => {
  const results = [
    { status: 202, id: "m1", stanzas: [] },
    {
      status: 200,
      id: "q1",
      stanzas: [xml("iq", { type: "result", id: "q1", from: "b.example" })],
    },
    {
      status: 422,
      error: new StanzaError("modify", "improper-addressing", { text: "no to", status: 422 }),
    },
  ];

  it("gives one JSON result per stanza, in order", () => {
    expect(JSON.parse(encodeBatchResults(results, JSON_TYPE))).toEqual({
      results: [
        { status: 202, id: "m1" },
        {
          status: 200,
          id: "q1",
          reply: { kind: "iq", type: "result", id: "q1", from: "b.example" },
        },
        { status: 422, error: { type: "modify", condition: "improper-addressing", text: "no to" } },
      ],
    });
  });

  it("gives one XML result per stanza, stanzas in the payload format", () => {
    expect(encodeBatchResults(results, XMPP_XML)).toBe(
      '<results><result status="202" id="m1"></result>' +
        '<result status="200" id="q1"><iq type="result" id="q1" from="b.example"/></result>' +
        '<result status="422"><error type="modify"><improper-addressing xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/><text xmlns="urn:ietf:params:xml:ns:xmpp-stanzas">no to</text></error></result></results>',
    );
  });
});
