import { describe, expect, it } from "vitest";
import { jsonToStanza, stanzaToJson } from "../../../src/formats/json/index.js";
import { parseXmlElement } from "../../../src/formats/xml.js";
import { StanzaError } from "../../../src/stanza/errors.js";
import { refusal } from "../../helpers/refusal.js";

const rejection = (input: unknown): StanzaError =>
  refusal(
    () => jsonToStanza(input),
    () => `${JSON.stringify(input)} to be rejected`,
  );

describe("jsonToStanza rejects bad input with a 422 naming the field", () => {
  const cases: [string, unknown, RegExp][] = [
    ["a number", 5, /^stanza: expected a JSON object/],
    ["null", null, /^stanza: expected a JSON object/],
    ["an array", [{ body: "x" }], /^stanza: expected a JSON object/],
    ["a string", "hello", /^stanza: expected a JSON object/],
    ["an unknown kind", { kind: "mesage", body: "x" }, /^kind: expected one of message, presence/],
    [
      "no kind and nothing implying one",
      { to: "a@b.example" },
      /^kind: expected message, presence/,
    ],
    ["a type that contradicts the kind", { kind: "iq", type: "chat" }, /^kind: .*type "chat"/],
    [
      "a type unknown for the kind",
      { kind: "message", type: "get2" },
      /^type: expected one of normal/,
    ],
    ["fields of two kinds", { body: "x", show: "away" }, /^kind: expected one kind/],
    ["a field of another kind", { kind: "message", ping: true }, /^kind: .*field ping/],
    ["a type and a field that disagree", { type: "get", body: "x" }, /^kind: expected one kind/],
    ["a non-string type", { kind: "message", type: 3 }, /^type: expected a string, got 3/],
    ["a non-string to", { body: "x", to: ["a@b"] }, /^to: expected a string, got an array/],
    ["a number body", { body: 5 }, /^body: expected a string, got 5/],
    ["a ping that is not a boolean", { type: "get", ping: "yes" }, /^ping: expected true or false/],
    ["an unknown show", { show: "busy" }, /^show: expected one of away, chat, dnd, xa/],
    [
      "a priority out of range",
      { priority: 300 },
      /^priority: expected an integer from -128 to 127/,
    ],
    ["a fractional priority", { priority: 1.5 }, /^priority: expected an integer/],
    ["an unknown chat state", { state: "typing" }, /^state: expected one of active/],
    ["NUL in a body", { body: "a\u0000b" }, /^body: .*U\+0000/],
    ["a lone surrogate", { body: "a\uD800b" }, /^body: .*U\+D800/],
    ["U+FFFE in a status", { status: "\uFFFE" }, /^status: .*U\+FFFE/],
    ["a control character in an attribute", { kind: "message", id: "a\u0001" }, /^id: .*U\+0001/],
    ["a bad nested character", { type: "result", items: [{ jid: "\u0008" }] }, /^items\[0\]\.jid/],
    [
      "an error on a non-error stanza",
      { kind: "iq", type: "get", error: {} },
      /^error: expected the stanza type to be "error"/,
    ],
    [
      "an unknown error type",
      { kind: "iq", error: { type: "fatal" } },
      /^error\.type: expected one/,
    ],
    [
      "a condition that is no element name",
      { kind: "iq", error: { condition: "a b" } },
      /^error\.condition/,
    ],
    ["malformed html", { body: "x", html: "<p>unclosed" }, /^html: expected well-formed XHTML/],
    ["a thread of the wrong type", { thread: 7 }, /^thread: expected a string or an object/],
    ["a thread without id", { thread: { parent: "p" } }, /^thread\.id: expected a string/],
    [
      "stanza ids that are not an array",
      { stanza_ids: { id: "a" } },
      /^stanza_ids: expected an array/,
    ],
    ["a stanza id without by", { stanza_ids: [{ id: "a" }] }, /^stanza_ids\[0\]\.by/],
    [
      "a bad forwarded message",
      { forwarded: { message: { body: 1 } } },
      /^forwarded\.message\.body/,
    ],
    [
      "a disco of the wrong type",
      { type: "get", disco: 5 },
      /^disco: expected true, a node string/,
    ],
    [
      "items as an object",
      { type: "result", items: { jid: "a" } },
      /^items\.jid: expected nothing/,
    ],
    ["a bad register key", { type: "set", register: { "a b": "x" } }, /^register key/],
    [
      "a property value that is a list",
      { kind: "message", properties: { a: [1] } },
      /^properties\.a: expected a string, a finite number/,
    ],
    [
      "a typed property without a type",
      { kind: "message", properties: { a: { value: "1" } } },
      /^properties\.a\.type: expected a string/,
    ],
    [
      "properties that are not an object",
      { kind: "message", properties: "a=1" },
      /^properties: expected an object/,
    ],
    [
      "a report on an unblock item",
      { type: "set", unblock: [{ jid: "a@b", report: {} }] },
      /^unblock\[0\]\.report/,
    ],
    [
      "a negative upload size",
      { type: "get", upload_request: { filename: "a", size: -1 } },
      /upload_request\.size/,
    ],
    [
      "a missing upload size",
      { type: "get", upload_request: { filename: "a" } },
      /upload_request\.size/,
    ],
    [
      "a bad command action",
      { type: "set", command: { action: "run" } },
      /^command\.action: expected one/,
    ],
    ["a bad dataform type", { kind: "message", dataform: { type: "x" } }, /^dataform\.type/],
    [
      "a non-string form value",
      { type: "set", archive: { form: { with: 5 } } },
      /^archive\.form\.with/,
    ],
    ["rsm index without first", { body: "", rsm: { index: 1 } }, /^rsm\.index: expected first/],
    ["payload without data", { body: "", payload: {} }, /^payload\.data: expected a JSON value/],
    [
      "a muc history that is no object",
      { muc: { history: 5 } },
      /^muc\.history: expected an object/,
    ],
    [
      "a port out of range",
      { type: "result", extdisco: { services: [{ type: "stun", host: "h", port: 70000 }] } },
      /port/,
    ],
  ];

  it.each(cases)("rejects %s", (_name, input, message) => {
    const err = rejection(input);
    expect(err.status).toBe(422);
    expect(err.type).toBe("modify");
    expect(err.condition).toBe("bad-request");
    expect(err.text).toMatch(message);
  });

  it("rejects forwarded stanzas nested deeper than the limit", () => {
    let message: Record<string, unknown> = { kind: "message", body: "deep" };
    for (let i = 0; i < 50; i++) message = { kind: "message", forwarded: { message } };
    expect(rejection(message).text).toMatch(/nested stanzas/);
  });

  it("turns payload data too deep to serialise into a 422, not a RangeError", () => {
    let data: unknown = 1;
    for (let i = 0; i < 200_000; i++) data = [data];
    expect(rejection({ body: "", payload: { data } }).status).toBe(422);
  });
});

describe("stanzaToJson", () => {
  it("refuses an element that is not a stanza", () => {
    const el = parseXmlElement("<stream/>").root;
    expect(() => stanzaToJson(el)).toThrow(StanzaError);
  });

  it("drops numbers it cannot read rather than returning NaN", () => {
    const el = parseXmlElement("<presence><priority>high</priority></presence>").root;
    expect(stanzaToJson(el)).toEqual({ kind: "presence", type: "available" });
  });

  it("drops a payload that is not JSON", () => {
    const xml =
      '<message><payload xmlns="urn:xmpp:json-msg:0"><json xmlns="urn:xmpp:json:0">{nope</json></payload></message>';
    expect(stanzaToJson(parseXmlElement(xml).root)).toEqual({ kind: "message" });
  });

  it("keeps a register field called __proto__ as data", () => {
    const xml =
      '<iq type="set"><query xmlns="jabber:iq:register"><__proto__>x</__proto__></query></iq>';
    const json = stanzaToJson(parseXmlElement(xml).root);
    expect(Object.getOwnPropertyNames(json.register)).toEqual(["__proto__"]);
  });

  it("reads the error only on type=error stanzas", () => {
    const xml =
      '<message><body>x</body><error type="cancel"><gone xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error></message>';
    expect(stanzaToJson(parseXmlElement(xml).root).error).toBeUndefined();
  });
});
