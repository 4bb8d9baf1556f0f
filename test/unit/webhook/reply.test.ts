import xml, { type Element } from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import { parseXmlElement } from "../../../src/formats/xml.js";
import { StanzaError } from "../../../src/stanza/errors.js";
import { allowsReply, errorReply, type Outcome, replyFor } from "../../../src/webhook/reply.js";

const ctx = { domain: "rest.example", sizeLimit: 10_000 };
const stanza = (text: string): Element => parseXmlElement(text).root;
const chat = stanza(
  '<message from="alice@example/phone" to="bot@rest.example" type="chat" id="m1"><body>hi</body></message>',
);
const iqGet = stanza(
  '<iq from="alice@example/phone" to="rest.example" type="get" id="q1"><query xmlns="urn:x"/></iq>',
);
const xmlAnswer = (body: string, status = 200): Outcome => ({
  kind: "answered",
  status,
  contentType: "application/xmpp+xml; charset=utf-8",
  body,
});

function errorOf(reply: Element | undefined) {
  const error = reply?.getChild("error");
  return {
    type: error?.attrs.type,
    condition: error?.getChildElements()[0]?.name,
    text: error?.getChildText("text", "urn:ietf:params:xml:ns:xmpp-stanzas"),
  };
}

describe("replyFor", () => {
  it("addresses a 2xx XML reply from the inbound to, to the inbound from, in the same type", () => {
    const { reply } = replyFor(chat, xmlAnswer("<message><body>yo</body></message>"), ctx);
    expect(reply?.attrs).toMatchObject({
      from: "bot@rest.example",
      to: "alice@example/phone",
      type: "chat",
    });
    expect(reply?.attrs.id).toBeTruthy();
    expect(reply?.getChildText("body")).toBe("yo");
  });

  it("keeps a type the webhook set on a message", () => {
    const { reply } = replyFor(
      chat,
      xmlAnswer('<message type="headline"><body>n</body></message>'),
      ctx,
    );
    expect(reply?.attrs.type).toBe("headline");
  });

  it("sends a groupchat reply to the bare room JID", () => {
    const inbound = stanza(
      '<message from="room@muc.example/alice" to="bot@rest.example" type="groupchat"><body>hi</body></message>',
    );
    const { reply } = replyFor(inbound, xmlAnswer("<message><body>all</body></message>"), ctx);
    expect(reply?.attrs.to).toBe("room@muc.example");
    expect(reply?.attrs.type).toBe("groupchat");
  });

  it("forces type=result and the inbound id on an iq reply and drops unknown root attributes", () => {
    const { reply } = replyFor(
      iqGet,
      xmlAnswer('<iq type="set" id="x" foo="bar"><query xmlns="urn:x"/></iq>'),
      ctx,
    );
    expect(reply?.attrs).toEqual({
      from: "rest.example",
      to: "alice@example/phone",
      id: "q1",
      type: "result",
    });
  });

  it("passes on an iq error reply the webhook wrote", () => {
    const { reply } = replyFor(
      iqGet,
      xmlAnswer(
        '<iq type="error"><error type="cancel"><gone xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error></iq>',
      ),
      ctx,
    );
    expect(reply?.attrs.type).toBe("error");
    expect(errorOf(reply).condition).toBe("gone");
  });

  it("makes the reply an error when the inbound had no type and the body has an <error>", () => {
    const inbound = stanza(
      '<message from="a@example" to="rest.example" id="n"><body>x</body></message>',
    );
    const { reply } = replyFor(
      inbound,
      xmlAnswer(
        '<message><error type="modify"><bad-request xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error></message>',
      ),
      ctx,
    );
    expect(reply?.attrs.type).toBe("error");
    expect(reply?.attrs.id).toBe("n");
  });

  it("answers 204 to an iq with an empty result and to a message with nothing", () => {
    expect(
      replyFor(iqGet, { kind: "answered", status: 204, contentType: undefined, body: "" }, ctx)
        .reply?.attrs,
    ).toEqual({
      type: "result",
      id: "q1",
      from: "rest.example",
      to: "alice@example/phone",
    });
    expect(
      replyFor(chat, { kind: "answered", status: 204, contentType: undefined, body: "" }, ctx),
    ).toEqual({});
  });

  it("acknowledges a receipt request on 202 (XEP-0184)", () => {
    const inbound = stanza(
      '<message from="a@example/r" to="bot@rest.example" type="chat" id="r1"><body>x</body><request xmlns="urn:xmpp:receipts"/></message>',
    );
    const { reply } = replyFor(
      inbound,
      { kind: "answered", status: 202, contentType: undefined, body: "" },
      ctx,
    );
    expect(reply?.getChild("received", "urn:xmpp:receipts")?.attrs.id).toBe("r1");
    expect(reply?.attrs.to).toBe("a@example/r");
  });

  it("turns a text/plain answer to a message into a reply body", () => {
    const { reply } = replyFor(
      chat,
      { kind: "answered", status: 200, contentType: "text/plain", body: "plain" },
      ctx,
    );
    expect(reply?.getChildText("body")).toBe("plain");
    expect(reply?.attrs.type).toBe("chat");
  });

  it("maps 4xx/5xx to the table's error with the body as text", () => {
    const { reply } = replyFor(
      iqGet,
      { kind: "answered", status: 404, contentType: "text/plain", body: " gone " },
      ctx,
    );
    expect(reply?.attrs).toMatchObject({ type: "error", id: "q1", from: "rest.example" });
    expect(errorOf(reply)).toEqual({ type: "cancel", condition: "item-not-found", text: "gone" });
  });

  it("maps a timeout and an unreachable webhook", () => {
    expect(errorOf(replyFor(iqGet, { kind: "timeout", seconds: 10 }, ctx).reply)).toMatchObject({
      type: "wait",
      condition: "remote-server-timeout",
    });
    expect(errorOf(replyFor(iqGet, { kind: "unreachable" }, ctx).reply)).toMatchObject({
      type: "wait",
      condition: "recipient-unavailable",
    });
  });

  it.each([
    ["malformed", "<message><body></message>"],
    ["wrong kind", "<presence/>"],
    ["foreign from", '<message from="evil@example"><body>x</body></message>'],
    ["foreign namespace", '<message xmlns="jabber:server"><body>x</body></message>'],
    ["invalid type", '<message type="weird"><body>x</body></message>'],
    ["error type without error", '<message type="error"><body>x</body></message>'],
  ])("refuses a %s answer with an error and a logged problem", (_what, body) => {
    const decision = replyFor(chat, xmlAnswer(body), ctx);
    expect(decision.problem).toBeTruthy();
    expect(decision.reply?.attrs.type).toBe("error");
    expect(errorOf(decision.reply).condition).toBe("internal-server-error");
  });

  it("refuses an iq result with two children (RFC 6120 §8.2.3)", () => {
    const decision = replyFor(
      iqGet,
      xmlAnswer('<iq><a xmlns="urn:a"/><b xmlns="urn:b"/></iq>'),
      ctx,
    );
    expect(decision.reply?.attrs.type).toBe("error");
  });

  it("accepts a from at our own domain but still sends from the inbound to", () => {
    const { reply } = replyFor(
      chat,
      xmlAnswer('<message from="other@rest.example"><body>x</body></message>'),
      ctx,
    );
    expect(reply?.attrs.from).toBe("bot@rest.example");
  });

  it("refuses a reply above the size limit", () => {
    const big = `<message><body>${"x".repeat(20_000)}</body></message>`;
    const decision = replyFor(chat, xmlAnswer(big), ctx);
    expect(decision.problem).toMatch(/limit/);
    expect(decision.reply?.attrs.type).toBe("error");
  });

  it("never replies to error or result stanzas", () => {
    const error = stanza('<message from="a@example" to="rest.example" type="error"/>');
    const result = stanza('<iq from="a@example" to="rest.example" type="result" id="1"/>');
    for (const inbound of [error, result]) {
      expect(allowsReply(inbound)).toBe(false);
      expect(replyFor(inbound, xmlAnswer("<message/>"), ctx)).toEqual({});
      expect(replyFor(inbound, { kind: "unreachable" }, ctx)).toEqual({});
    }
  });
});

describe("errorReply", () => {
  it("removes characters XML forbids and bounds the text", () => {
    const reply = errorReply(
      chat,
      new StanzaError("modify", "bad-request", {
        text: `a\u0000b\u0007c\ud800${"x".repeat(5000)}`,
      }),
    );
    const text = errorOf(reply).text ?? "";
    expect(text.startsWith("abcx")).toBe(true);
    expect(text.length).toBeLessThanOrEqual(1025);
    // What we serialise must parse again: the server would close the stream otherwise.
    expect(() => parseXmlElement(reply?.toString() ?? "")).not.toThrow();
  });

  it("needs both addresses", () => {
    expect(
      errorReply(xml("message", { to: "rest.example" }), new StanzaError("cancel", "gone")),
    ).toBeUndefined();
  });
});
