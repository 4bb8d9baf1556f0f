import xml from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import { contactJid, refusal, subscriptionAction } from "../../../src/accounts/roster.js";
import { contactEvent } from "../../../src/formats/json/contact-event.js";
import { rosterItemOf } from "../../../src/stanza/roster.js";

const contact = (subscription: "none" | "to" | "from" | "both", ask = false) => ({
  jid: "bob@x",
  subscription,
  ask,
  approved: false,
});

describe("subscription steps (RFC 6121 §3)", () => {
  it("allows each step only in the states it fits, naming the state otherwise", () => {
    expect(refusal("request", contact("none"), false, false)).toBeUndefined();
    expect(refusal("request", contact("both"), false, false)).toContain("subscription: both");
    expect(refusal("approve", contact("none"), true, false)).toBeUndefined();
    expect(refusal("approve", contact("none"), false, true)).toBeUndefined();
    expect(refusal("approve", contact("none"), false, false)).toContain("pre-approval");
    expect(refusal("deny", contact("none"), false, false)).toContain("no request");
    expect(refusal("cancel", contact("from"), false, false)).toBeUndefined();
    expect(refusal("cancel", contact("to"), false, false)).toContain("does not see");
    expect(refusal("unsubscribe", contact("none", true), false, false)).toBeUndefined();
    expect(refusal("unsubscribe", contact("from"), false, false)).toContain("subscription: from");
  });

  it("refuses an unknown action listing the valid ones, and a contact that is not bare", () => {
    expect(() => subscriptionAction("befriend")).toThrow(
      "request, approve, deny, cancel, unsubscribe",
    );
    expect(() => contactJid("bob@x/phone")).toThrow("bob@x/phone");
    expect(contactJid("Bob@X")).toBe("bob@x");
  });
});

describe("roster items and typed events", () => {
  it("reads an item's name, groups, subscription, ask and pre-approval", () => {
    const item = xml(
      "item",
      { jid: "bob@x", name: "Bob", subscription: "to", ask: "subscribe", approved: "true" },
      xml("group", {}, "A"),
      xml("group", {}, "A"),
    );
    expect(rosterItemOf(item)).toEqual({
      jid: "bob@x",
      name: "Bob",
      groups: ["A"],
      subscription: "to",
      ask: true,
      approved: true,
    });
    expect(rosterItemOf(xml("item", { jid: "bob@x/r" }))).toBeUndefined();
  });

  it("types presence, subscription requests, answers and roster pushes", () => {
    expect(
      contactEvent(xml("presence", { from: "bob@x/r" }, xml("show", {}, "away"))),
    ).toMatchObject({ type: "presence", from: "bob@x/r", available: true, show: "away" });
    expect(contactEvent(xml("presence", { from: "bob@x/r", type: "subscribe" }))).toEqual({
      type: "subscription-request",
      from: "bob@x",
      status: null,
    });
    expect(contactEvent(xml("presence", { from: "bob@x", type: "unsubscribed" }))).toMatchObject({
      type: "subscription",
      action: "cancelled",
    });
    const push = xml(
      "iq",
      { type: "set", from: "alice@x" },
      xml(
        "query",
        { xmlns: "jabber:iq:roster" },
        xml("item", { jid: "bob@x", subscription: "remove" }),
      ),
    );
    expect(contactEvent(push)).toMatchObject({ type: "contact", jid: "bob@x", removed: true });
    // Room occupants are not contacts.
    expect(
      contactEvent(
        xml(
          "presence",
          { from: "r@muc/n" },
          xml("x", { xmlns: "http://jabber.org/protocol/muc#user" }),
        ),
      ),
    ).toBeUndefined();
  });
});
