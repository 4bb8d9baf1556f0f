import xml from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import {
  archiveIdOf,
  automaticAnswer,
  isRosterPush,
  unwrapCarbon,
} from "../../../src/accounts/router.js";

const JID = "alice@example.org";
const carbon = (direction: "sent" | "received", from: string) =>
  xml(
    "message",
    { from, to: `${JID}/bridge` },
    xml(
      direction,
      { xmlns: "urn:xmpp:carbons:2" },
      xml(
        "forwarded",
        { xmlns: "urn:xmpp:forward:0" },
        xml(
          "message",
          { xmlns: "jabber:client", from: `${JID}/phone`, to: "bob@example.org" },
          xml("body", {}, "hi"),
        ),
      ),
    ),
  );

describe("an account's inbound stanzas", () => {
  it("unwraps a carbon from the account's own JID (XEP-0280 §6)", () => {
    const result = unwrapCarbon(carbon("sent", JID), JID);
    expect(result).not.toBe("forged");
    if (!result || result === "forged") return;
    expect(result.direction).toBe("sent");
    expect(result.message.attrs).toEqual({ from: `${JID}/phone`, to: "bob@example.org" });
  });

  it("refuses a carbon from anyone else (XEP-0280 §11)", () => {
    expect(unwrapCarbon(carbon("received", "mallory@example.org"), JID)).toBe("forged");
    expect(unwrapCarbon(xml("message", { from: JID }, xml("body", {}, "x")), JID)).toBeUndefined();
  });

  it("reads the archive id the account's server stamped (XEP-0359), not another's", () => {
    const message = xml(
      "message",
      {},
      xml("stanza-id", { xmlns: "urn:xmpp:sid:0", by: "room@muc.example.org", id: "r1" }),
      xml("stanza-id", { xmlns: "urn:xmpp:sid:0", by: JID, id: "a1" }),
    );
    expect(archiveIdOf(message, JID)).toBe("a1");
    expect(archiveIdOf(xml("message"), JID)).toBeUndefined();
  });

  it("answers ping, version and disco#info for the session, and nothing else", () => {
    const ping = xml(
      "iq",
      { type: "get", id: "p", from: "bob@example.org/x" },
      xml("ping", { xmlns: "urn:xmpp:ping" }),
    );
    expect(automaticAnswer(ping)?.attrs).toMatchObject({
      type: "result",
      id: "p",
      to: "bob@example.org/x",
    });
    const version = xml(
      "iq",
      { type: "get", id: "v", from: "b" },
      xml("query", { xmlns: "jabber:iq:version" }),
    );
    expect(automaticAnswer(version)?.getChild("query")?.getChildText("name")).toBe("xmpp-rest");
    const other = xml(
      "iq",
      { type: "get", id: "o", from: "b" },
      xml("query", { xmlns: "jabber:iq:last" }),
    );
    expect(automaticAnswer(other)).toBeUndefined();
  });

  it("tells a roster push from the account's server from one anybody else sends (RFC 6121 §2.1.6)", () => {
    const push = (from: string) =>
      xml("iq", { type: "set", id: "r", from }, xml("query", { xmlns: "jabber:iq:roster" }));
    expect(isRosterPush(push(JID), JID)).toBe(true);
    expect(isRosterPush(push("mallory@example.org"), JID)).toBe(false);
  });
});
