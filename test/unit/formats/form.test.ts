import { describe, expect, it } from "vitest";
import { formToJson, formToStanza, stanzaToForm } from "../../../src/formats/form.js";
import { parseXmlElement, serializeStanza } from "../../../src/formats/xml.js";
import { StanzaError } from "../../../src/stanza/errors.js";

const parse = (xml: string) => parseXmlElement(xml).root;

describe("formToStanza", () => {
  it("builds a chat message from flat fields", () => {
    const el = formToStanza("kind=message&type=chat&to=a%40b.example&body=hello+world&lang=en");
    expect(serializeStanza(el)).toBe(
      '<message type="chat" to="a@b.example" xml:lang="en"><body>hello world</body></message>',
    );
  });

  it("implies the kind from the fields, as JSON does", () => {
    expect(formToStanza("show=away&status=lunch&priority=-5").name).toBe("presence");
    expect(serializeStanza(formToStanza("show=away&priority=-5"))).toBe(
      "<presence><show>away</show><priority>-5</priority></presence>",
    );
  });

  it.each([["ping=true"], ["ping=1"], ["ping="], ["ping"]])("reads %s as a ping", (body) => {
    const el = formToStanza(`type=get&to=capulet.example&${body}`);
    expect(el.getChild("ping", "urn:xmpp:ping")).toBeDefined();
  });

  it("reads ping=false as no ping", () => {
    expect(formToJson("type=get&ping=false")).toEqual({ type: "get" });
  });

  it("reads disco and items as a yes or a node", () => {
    expect(formToJson("disco=")).toEqual({ disco: true });
    expect(formToJson("items=http%3A%2F%2Fjabber.org%2Fprotocol%2Fcommands")).toEqual({
      items: "http://jabber.org/protocol/commands",
    });
    const el = formToStanza("type=get&disco=n1");
    expect(serializeStanza(el)).toBe(
      '<iq type="get"><query xmlns="http://jabber.org/protocol/disco#info" node="n1"/></iq>',
    );
  });

  it("lets the path form override the body", () => {
    const el = formToStanza("kind=message&to=x%40y&body=hi", {
      kind: "message",
      type: "normal",
      to: "a@b.example",
    });
    expect(el.attrs).toMatchObject({ type: "normal", to: "a@b.example" });
  });

  it("ignores unknown keys", () => {
    expect(formToJson("body=x&utm_source=mail")).toEqual({ body: "x" });
  });

  it.each([
    ["priority=high", /^priority: expected an integer/],
    ["ping=maybe", /^ping: expected true, false/],
    ["show=busy", /^show: expected one of/],
    ["body=a%00b", /^body: .*U\+0000/],
    ["to=a%40b", /^kind: expected message, presence or iq/],
  ])("rejects %s with a 422", (body, message) => {
    let error: unknown;
    try {
      formToStanza(body);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StanzaError);
    expect((error as StanzaError).status).toBe(422);
    expect((error as StanzaError).text).toMatch(message);
  });
});

describe("stanzaToForm", () => {
  it("writes the flat fields of a message", () => {
    const form = stanzaToForm(
      parse(
        '<message type="chat" from="a@b.example" id="1"><body>hi &amp; bye</body><thread>t</thread><active xmlns="http://jabber.org/protocol/chatstates"/></message>',
      ),
    );
    expect(Object.fromEntries(new URLSearchParams(form))).toEqual({
      kind: "message",
      type: "chat",
      from: "a@b.example",
      id: "1",
      body: "hi & bye",
      state: "active",
    });
  });

  it("writes presence numbers and flags as text", () => {
    const form = stanzaToForm(
      parse(
        '<presence><show>dnd</show><priority>3</priority><x xmlns="http://jabber.org/protocol/muc"/></presence>',
      ),
    );
    expect(new URLSearchParams(form).get("priority")).toBe("3");
    expect(new URLSearchParams(form).get("join")).toBe("true");
    expect(new URLSearchParams(form).get("type")).toBe("available");
  });

  it("leaves structured fields out", () => {
    const form = stanzaToForm(
      parse(
        '<iq type="result" id="v"><query xmlns="jabber:iq:version"><name>x</name></query></iq>',
      ),
    );
    expect(form).toBe("kind=iq&type=result&id=v");
  });

  it("gives an error stanza's error under the keys of a form error body", () => {
    const form = new URLSearchParams(
      stanzaToForm(
        parse(
          '<iq type="error" id="e"><error type="cancel"><item-not-found xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/><text xmlns="urn:ietf:params:xml:ns:xmpp-stanzas">gone</text></error></iq>',
        ),
      ),
    );
    expect(form.get("type")).toBe("error");
    expect(form.get("error.type")).toBe("cancel");
    expect(form.get("error.condition")).toBe("item-not-found");
    expect(form.get("error.text")).toBe("gone");
  });

  it("says yes to an empty query, which JSON reads as {}", () => {
    const form = stanzaToForm(
      parse('<iq type="get" id="v"><query xmlns="jabber:iq:version"/></iq>'),
    );
    expect(form).toBe("kind=iq&type=get&id=v&version=true");
  });

  it("round-trips the flat fields", () => {
    const xml =
      '<message type="chat" to="a@b.example" id="m"><body>line 1\nline 2 + more</body><subject>s</subject><markable xmlns="urn:xmpp:chat-markers:0"/></message>';
    expect(serializeStanza(formToStanza(stanzaToForm(parse(xml))))).toBe(xml);
  });
});
