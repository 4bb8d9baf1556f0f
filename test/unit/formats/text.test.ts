import { describe, expect, it } from "vitest";
import { stanzaToText, textToStanza } from "../../../src/formats/text.js";
import { parseXmlElement, serializeStanza } from "../../../src/formats/xml.js";
import { StanzaError } from "../../../src/stanza/errors.js";

const parse = (xml: string) => parseXmlElement(xml).root;

describe("textToStanza", () => {
  it("makes the text the body of a chat message", () => {
    const el = textToStanza("hello <world>", { to: "a@b.example" });
    expect(serializeStanza(el)).toBe(
      '<message type="chat" to="a@b.example"><body>hello &lt;world&gt;</body></message>',
    );
  });

  it("keeps the message type of the path form", () => {
    const el = textToStanza("news", { kind: "message", type: "headline", to: "a@b.example" });
    expect(el.attrs.type).toBe("headline");
  });

  it("makes the text the show of a presence", () => {
    const el = textToStanza("away\n", { kind: "presence", to: "room@muc.example/me" });
    expect(serializeStanza(el)).toBe(
      '<presence to="room@muc.example/me"><show>away</show></presence>',
    );
  });

  it("sends a plain presence for empty text", () => {
    const el = textToStanza("", { kind: "presence", type: "unavailable" });
    expect(serializeStanza(el)).toBe('<presence type="unavailable"/>');
  });

  it.each([
    ["an unknown show", "busy", { kind: "presence" }, /^show: expected one of/],
    ["a body with NUL", "a\u0000", {}, /^body: .*U\+0000/],
    ["an iq", "ping", { kind: "iq" }, /^kind: text\/plain carries/],
    ["an unknown kind", "x", { kind: "thing" }, /^kind: text\/plain carries/],
    ["a type of another kind", "x", { type: "get" }, /^kind: .*type "get"/],
  ])("rejects %s with a 422", (_name, text, target, message) => {
    let error: unknown;
    try {
      textToStanza(text, target);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StanzaError);
    expect((error as StanzaError).status).toBe(422);
    expect((error as StanzaError).text).toMatch(message);
  });
});

describe("stanzaToText", () => {
  it.each([
    ["a message body", "<message><body>hi</body></message>", "hi"],
    [
      "a message without body",
      '<message><composing xmlns="http://jabber.org/protocol/chatstates"/></message>',
      "",
    ],
    ["a presence status", "<presence><show>away</show><status>lunch</status></presence>", "lunch"],
    ["a presence show", "<presence><show>dnd</show></presence>", "dnd"],
    ["an iq result", '<iq type="result" id="1"/>', ""],
    [
      "an error text",
      '<iq type="error"><error type="cancel"><item-not-found xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/><text xmlns="urn:ietf:params:xml:ns:xmpp-stanzas">no such thing</text></error></iq>',
      "no such thing",
    ],
    [
      "an error condition without text",
      '<message type="error"><error type="cancel"><gone xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error></message>',
      "gone",
    ],
  ])("gives %s", (_name, xml, text) => {
    expect(stanzaToText(parse(xml))).toBe(text);
  });

  it("round-trips a message body", () => {
    const body = "multi\nline — ünïcödé";
    expect(stanzaToText(textToStanza(body, { to: "a@b.example" }))).toBe(body);
  });
});
