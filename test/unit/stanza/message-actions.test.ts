import xml from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import { messageEvent } from "../../../src/formats/json/message-event.js";
import {
  correction,
  displayedMarker,
  reactionSet,
  reply,
  retraction,
} from "../../../src/stanza/message-actions.js";
import { ensureMessageId, stanzaIdBy } from "../../../src/stanza/message-ids.js";

const out = () =>
  xml("message", { from: "bot@rest.localhost", to: "alice@localhost", type: "chat" });
/** What the other side reads of a message the bridge built. */
const seen = (stanza: ReturnType<typeof out>) => messageEvent(stanza);

describe("the message elements behind the calls", () => {
  it("gives a message its origin-id, the same as its id, keeping a caller's", () => {
    const fresh = out();
    const id = ensureMessageId(fresh);
    expect(fresh.attrs.id).toBe(id);
    expect(fresh.getChild("origin-id", "urn:xmpp:sid:0")?.attrs.id).toBe(id);
    const given = xml("message", { id: "mine" });
    expect(ensureMessageId(given)).toBe("mine");
    expect(ensureMessageId(given)).toBe("mine");
    expect(given.getChildren("origin-id")).toHaveLength(1);
  });

  it("reads only the room's own stanza-id stamp", () => {
    const reflected = xml(
      "message",
      {},
      xml("stanza-id", { xmlns: "urn:xmpp:sid:0", by: "alice@localhost", id: "forged" }),
      xml("stanza-id", { xmlns: "urn:xmpp:sid:0", by: "Room@MUC.localhost", id: "real" }),
    );
    expect(stanzaIdBy(reflected, "room@muc.localhost")).toBe("real");
  });

  it("builds what reads back as the same call", () => {
    expect(seen(correction(out(), "m1", "new text"))).toMatchObject({ type: "edit", id: "m1" });
    const retracted = retraction(out(), "m1");
    expect(seen(retracted)).toMatchObject({ type: "delete", id: "m1" });
    expect(retracted.getChildText("body")).toMatch(/retract/);
    expect(seen(reactionSet(out(), "m1", ["👍"]))).toMatchObject({ reactions: ["👍"] });
    expect(seen(displayedMarker(out(), "m1"))).toMatchObject({ type: "read", id: "m1" });
  });

  it("quotes the replied-to text as a fallback the reader cuts away again", () => {
    const message = out();
    message.append(xml("body", {}, "thanks!"));
    reply(message, { id: "m1", to: "alice@localhost/phone", body: "here 👋\nis the file" });
    expect(message.getChildText("body")).toBe("> here 👋\n> is the file\nthanks!");
    expect(seen(message)).toMatchObject({ type: "message", body: "thanks!", replyTo: "m1" });
  });
});
