import { describe, expect, it } from "vitest";
import { parseXmlElement } from "../../../src/formats/xml.js";
import { needsAnswer, shouldForward } from "../../../src/webhook/filter.js";
import { expandCallbackUrl } from "../../../src/webhook/url.js";

const stanza = (text: string) => parseXmlElement(text).root;

describe("expandCallbackUrl", () => {
  it("fills {kind}, {type}, {to} and {from}, URL-encoded", () => {
    const msg = stanza('<message type="chat" to="bot@rest.example/a b" from="alice@example/x?y"/>');
    expect(expandCallbackUrl("http://h/cb/{kind}/{type}/{to}?from={from}", msg)).toBe(
      "http://h/cb/message/chat/bot%40rest.example%2Fa%20b?from=alice%40example%2Fx%3Fy",
    );
  });

  it("leaves missing values empty and other braces alone", () => {
    expect(expandCallbackUrl("http://h/{type}/{other}", stanza("<presence/>"))).toBe(
      "http://h//{other}",
    );
  });
});

describe("shouldForward", () => {
  const rules = { domain: "rest.example", stanzas: ["message", "iq"], events: ["bare", "host"] };

  it("filters by kind and by the form of the to address", () => {
    expect(shouldForward(stanza('<message to="rest.example"/>'), rules)).toBe(true);
    expect(shouldForward(stanza('<message to="bot@rest.example"/>'), rules)).toBe(true);
    expect(shouldForward(stanza('<message to="bot@rest.example/r"/>'), rules)).toBe(false);
    expect(shouldForward(stanza('<presence to="bot@rest.example"/>'), rules)).toBe(false);
    expect(shouldForward(stanza('<message to="bot@other.example"/>'), rules)).toBe(false);
  });

  it("knows which stanzas must be answered", () => {
    expect(needsAnswer(stanza('<iq type="get"/>'))).toBe(true);
    expect(needsAnswer(stanza('<iq type="set"/>'))).toBe(true);
    expect(needsAnswer(stanza('<iq type="result"/>'))).toBe(false);
    expect(needsAnswer(stanza('<message type="chat"/>'))).toBe(false);
  });
});
