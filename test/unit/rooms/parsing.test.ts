import xml from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import { stanzaToJson } from "../../../src/formats/json/index.js";
import { parseXmlElement } from "../../../src/formats/xml.js";
import { nickName, roomAddress, xmlText } from "../../../src/rooms/address.js";
import { joinRefusal } from "../../../src/rooms/errors.js";
import { parseInvitation } from "../../../src/rooms/invitations.js";
import { addRoomEvent, stripRoomEvents } from "../../../src/rooms/notes.js";
import { parseMucPresence, removalOf } from "../../../src/rooms/presence.js";
import { StanzaError } from "../../../src/stanza/errors.js";

const stanza = (text: string) => parseXmlElement(text).root;

describe("room addresses, nicks and text", () => {
  it("normalises a bare room JID and refuses anything else naming the field", () => {
    expect(roomAddress("Lobby@Conference.Example.org")).toBe("lobby@conference.example.org");
    expect(() => roomAddress("lobby@muc/nick")).toThrow(/"room" must be a bare JID/);
    expect(() => roomAddress("conference.example.org")).toThrow(/"room"/);
    expect(() => roomAddress("a b@muc")).toThrow(/"room"/);
    try {
      roomAddress("x@muc/y", "jid");
    } catch (err) {
      expect((err as StanzaError).status).toBe(422);
      expect((err as StanzaError).text).toContain('"jid"');
    }
  });

  it("takes a nick that is a valid resourcepart and refuses empty or control characters", () => {
    expect(nickName("Robo Bot")).toBe("Robo Bot");
    expect(nickName("cafe\u0301")).toBe("café");
    expect(() => nickName("")).toThrow(/"nick" may not be empty/);
    expect(() => nickName("  ")).toThrow(/"nick"/);
    expect(() => nickName("bell\u0007")).toThrow(/"nick" is not a valid resourcepart/);
  });

  it("refuses text with characters XML forbids, naming the field and the character", () => {
    expect(xmlText("fine\ttext\n", "body")).toBe("fine\ttext\n");
    expect(() => xmlText("nul\u0000", "body")).toThrow(/"body" holds U\+0000/);
  });
});

describe("presence from a room", () => {
  it("reads the bot's own presence with its status codes, role and affiliation", () => {
    const p = parseMucPresence(
      stanza(
        `<presence from="Room@muc.localhost/Bot" to="bot@rest.localhost/rooms"><x xmlns="http://jabber.org/protocol/muc#user"><status code="201"/><item affiliation="owner" role="moderator" jid="bot@rest.localhost/rooms"/><status code="110"/></x></presence>`,
      ),
    );
    expect(p).toMatchObject({
      room: "room@muc.localhost",
      nick: "Bot",
      type: "available",
      self: true,
      occupant: { role: "moderator", affiliation: "owner", jid: "bot@rest.localhost/rooms" },
    });
    expect([...(p?.codes ?? [])].sort()).toEqual([110, 201]);
  });

  it("ignores ejabberd's presence from the bare room and presences without muc#user", () => {
    expect(parseMucPresence(stanza(`<presence from="room@muc.localhost"/>`))).toBeUndefined();
    expect(parseMucPresence(stanza(`<presence from="room@muc.localhost/n"/>`))).toBeUndefined();
  });

  it("reads an error presence as the room's refusal", () => {
    const p = parseMucPresence(
      stanza(
        `<presence type="error" from="room@muc.localhost/alice"><error type="cancel"><conflict xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error></presence>`,
      ),
    );
    expect(p?.type).toBe("error");
    expect(p?.error?.condition).toBe("conflict");
  });

  it("tells a kick, a ban, a destruction, a shutdown and a nick change from a plain leave", () => {
    const unavailable = (inner: string) =>
      parseMucPresence(
        stanza(
          `<presence type="unavailable" from="room@muc.localhost/Bot"><x xmlns="http://jabber.org/protocol/muc#user">${inner}</x></presence>`,
        ),
      );
    const kicked = unavailable(
      `<item affiliation="none" role="none"><actor nick="Mod"/><reason>bye</reason></item><status code="307"/><status code="110"/>`,
    );
    expect(kicked && removalOf(kicked)).toBe("kicked");
    expect(kicked).toMatchObject({ self: true, actor: "Mod", reason: "bye" });
    const banned = unavailable(`<item role="none" affiliation="outcast"/><status code="301"/>`);
    expect(banned && removalOf(banned)).toBe("banned");
    const destroyed = unavailable(
      `<item role="none" affiliation="none"/><destroy jid="new@muc.localhost"><reason>moved</reason></destroy>`,
    );
    expect(destroyed && removalOf(destroyed)).toBe("destroyed");
    expect(destroyed?.destroyed?.reason).toBe("moved");
    const shutdown = unavailable(`<item role="none" affiliation="none"/><status code="332"/>`);
    expect(shutdown && removalOf(shutdown)).toBe("shutdown");
    const renamed = unavailable(`<item nick="Bot2" role="participant"/><status code="303"/>`);
    expect(renamed?.newNick).toBe("Bot2");
    expect(renamed && removalOf(renamed)).toBeUndefined();
    const left = unavailable(`<item role="none" affiliation="none"/>`);
    expect(left && removalOf(left)).toBeUndefined();
  });
});

describe("a room's refusal as an HTTP status", () => {
  const refusal = (condition: string, type: "cancel" | "auth" = "cancel") =>
    joinRefusal(new StanzaError(type, condition));

  it("maps each XEP-0045 join error to its status and keeps the condition", () => {
    expect(refusal("conflict").status).toBe(409);
    expect(refusal("registration-required", "auth").status).toBe(403);
    expect(refusal("forbidden", "auth").status).toBe(403);
    expect(refusal("not-authorized", "auth").status).toBe(401);
    expect(refusal("item-not-found").status).toBe(404);
    expect(refusal("remote-server-not-found").status).toBe(404);
    expect(refusal("remote-server-timeout").status).toBe(504);
    expect(refusal("service-unavailable").status).toBe(503);
    expect(refusal("registration-required", "auth").condition).toBe("registration-required");
  });

  it("keeps the room's text, and says what the condition means when there is none", () => {
    expect(joinRefusal(new StanzaError("cancel", "conflict", { text: "in use" })).text).toBe(
      "in use",
    );
    expect(refusal("conflict").text).toMatch(/nick is taken/);
  });
});

describe("invitations", () => {
  it("reads a mediated invitation from the room (XEP-0045 §7.8.2)", () => {
    expect(
      parseInvitation(
        stanza(
          `<message from="room@muc.localhost" to="bot@rest.localhost"><x xmlns="http://jabber.org/protocol/muc#user"><invite from="alice@localhost/x"><reason>join us</reason></invite><password>pw</password></x></message>`,
        ),
      ),
    ).toEqual({
      via: "mediated",
      room: "room@muc.localhost",
      from: "alice@localhost/x",
      reason: "join us",
      password: "pw",
    });
  });

  it("reads a direct invitation (XEP-0249) and ignores plain messages", () => {
    expect(
      parseInvitation(
        stanza(
          `<message from="alice@localhost/x"><x xmlns="jabber:x:conference" jid="Room@muc.localhost" reason="hi"/></message>`,
        ),
      ),
    ).toMatchObject({ via: "direct", room: "room@muc.localhost", from: "alice@localhost/x" });
    expect(parseInvitation(stanza(`<message><body>hi</body></message>`))).toBeUndefined();
  });
});

describe("the room-event note", () => {
  it("shows in the JSON mapping as room_event, with flags as booleans", () => {
    const message = xml(
      "message",
      { type: "groupchat", from: "r@muc/alice" },
      xml("body", {}, "hi"),
    );
    addRoomEvent(message, "message", "r@muc", { nick: "alice", self: false, reason: undefined });
    expect(stanzaToJson(message).room_event).toEqual({
      type: "message",
      room: "r@muc",
      nick: "alice",
      self: false,
    });
  });

  it("is stripped when a sender forged one", () => {
    const forged = stanza(
      `<message><body>x</body><room-event xmlns="urn:xmpp-rest:room-event:0" type="kicked" room="r@muc"/></message>`,
    );
    stripRoomEvents(forged);
    expect(stanzaToJson(forged).room_event).toBeUndefined();
    expect(forged.getChildText("body")).toBe("x");
  });
});
