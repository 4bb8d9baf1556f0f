import { describe, expect, it } from "vitest";
import { messageEvent } from "../../../src/formats/json/message-event.js";
import { parseXmlElement } from "../../../src/formats/xml.js";

const ALICE = "alice@localhost/phone";
const message = (inner: string, attrs = 'type="chat" id="m2"') =>
  parseXmlElement(`<message from="${ALICE}" to="bot@rest.localhost" ${attrs}>${inner}</message>`)
    .root;

describe("a message's typed event", () => {
  it("names a plain message by its sender's origin-id, else its id", () => {
    expect(
      messageEvent(message('<body>hi</body><origin-id xmlns="urn:xmpp:sid:0" id="o1"/>')),
    ).toEqual({ type: "message", id: "o1", from: ALICE, body: "hi" });
    expect(messageEvent(message("<body>hi</body>"))).toEqual({
      type: "message",
      id: "m2",
      from: ALICE,
      body: "hi",
    });
  });

  it("reads a correction as an edit of the message it names", () => {
    expect(
      messageEvent(
        message('<body>fixed</body><replace xmlns="urn:xmpp:message-correct:0" id="m1"/>'),
      ),
    ).toEqual({ type: "edit", id: "m1", from: ALICE, body: "fixed" });
  });

  it("reads both forms of a retraction as a delete, before the fallback body", () => {
    const current = '<retract xmlns="urn:xmpp:message-retract:1" id="m1"/><body>fallback</body>';
    expect(messageEvent(message(current))).toEqual({ type: "delete", id: "m1", from: ALICE });
    const legacy =
      '<apply-to xmlns="urn:xmpp:fasten:0" id="m1"><retract xmlns="urn:xmpp:message-retract:0"/></apply-to><body>fallback</body>';
    expect(messageEvent(message(legacy))).toEqual({ type: "delete", id: "m1", from: ALICE });
  });

  it("reads a room's moderation announcement with who and why", () => {
    const legacy = `<apply-to xmlns="urn:xmpp:fasten:0" id="s1"><moderated xmlns="urn:xmpp:message-moderate:0" by="room@muc/mod"><retract xmlns="urn:xmpp:message-retract:0"/><reason>spam</reason></moderated></apply-to>`;
    expect(messageEvent(message(legacy, 'type="groupchat"'))).toEqual({
      type: "delete",
      id: "s1",
      from: ALICE,
      by: "room@muc/mod",
      reason: "spam",
    });
    const current = `<retract xmlns="urn:xmpp:message-retract:1" id="s1"><moderated xmlns="urn:xmpp:message-moderate:1" by="room@muc/mod"/><reason>spam</reason></retract>`;
    expect(messageEvent(message(current, 'type="groupchat"'))).toMatchObject({
      type: "delete",
      by: "room@muc/mod",
      reason: "spam",
    });
  });

  it("reads reactions as the whole set, [] when taken back", () => {
    const set =
      '<reactions xmlns="urn:xmpp:reactions:0" id="m1"><reaction>👍</reaction><reaction>🎉</reaction></reactions>';
    expect(messageEvent(message(set))).toEqual({
      type: "reactions",
      id: "m1",
      from: ALICE,
      reactions: ["👍", "🎉"],
    });
    expect(
      messageEvent(message('<reactions xmlns="urn:xmpp:reactions:0" id="m1"/>')),
    ).toMatchObject({ reactions: [] });
  });

  it("gives a reply its replyTo and cuts the fallback quote from the body (code points)", () => {
    const quote = "> 👋 hi\n";
    const end = Array.from(quote).length;
    const reply = `<body>${quote}hello</body><reply xmlns="urn:xmpp:reply:0" to="bot@rest.localhost" id="m1"/><fallback xmlns="urn:xmpp:fallback:0" for="urn:xmpp:reply:0"><body start="0" end="${end}"/></fallback>`;
    expect(messageEvent(message(reply))).toEqual({
      type: "message",
      id: "m2",
      from: ALICE,
      body: "hello",
      replyTo: "m1",
    });
  });

  it("lists OOB and stateless file sharing attachments, merged by URL", () => {
    const url = "https://upload.localhost/abc/report%20v2.pdf";
    const inner = `<body>${url}</body><x xmlns="jabber:x:oob"><url>${url}</url></x><file-sharing xmlns="urn:xmpp:sfs:0"><file xmlns="urn:xmpp:file:metadata:0"><media-type>application/pdf</media-type><name>report v2.pdf</name><size>1024</size></file><sources><url-data xmlns="http://jabber.org/protocol/url-data" target="${url}"/></sources></file-sharing>`;
    expect(messageEvent(message(inner))?.attachments).toEqual([
      { url, name: "report v2.pdf", size: 1024, mediaType: "application/pdf" },
    ]);
  });

  it("reads a read marker and a chat state alone", () => {
    expect(messageEvent(message('<displayed xmlns="urn:xmpp:chat-markers:0" id="m1"/>'))).toEqual({
      type: "read",
      id: "m1",
      from: ALICE,
    });
    expect(
      messageEvent(message('<composing xmlns="http://jabber.org/protocol/chatstates"/>')),
    ).toEqual({ type: "typing", from: ALICE, state: "composing" });
    // A message with a body and a chat state is a message.
    expect(
      messageEvent(
        message('<body>hi</body><active xmlns="http://jabber.org/protocol/chatstates"/>'),
      )?.type,
    ).toBe("message");
  });

  it("names room messages as the bridge's room-event note does", () => {
    const note =
      '<room-event xmlns="urn:xmpp-rest:room-event:0" type="message" room="r@muc" id="s9" ref="s1"/>';
    expect(
      messageEvent(
        message(
          `<body>fixed</body><replace xmlns="urn:xmpp:message-correct:0" id="o1"/>${note}`,
          'type="groupchat"',
        ),
      ),
    ).toMatchObject({ type: "edit", id: "s1" });
    expect(messageEvent(message(`<body>hi</body>${note}`, 'type="groupchat"'))).toMatchObject({
      type: "message",
      id: "s9",
    });
  });

  it("has nothing to say about errors, receipts and other stanzas", () => {
    expect(messageEvent(message("<body>x</body>", 'type="error"'))).toBeUndefined();
    expect(messageEvent(message('<received xmlns="urn:xmpp:receipts" id="m1"/>'))).toBeUndefined();
    expect(messageEvent(parseXmlElement('<presence from="a@b"/>').root)).toBeUndefined();
  });
});
