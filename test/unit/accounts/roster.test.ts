import xml, { type Element } from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import {
  contactJid,
  createRoster,
  refusal,
  subscriptionAction,
} from "../../../src/accounts/roster.js";
import { contactEvent } from "../../../src/formats/json/contact-event.js";
import { silentLogger } from "../../../src/log.js";
import { rosterItemOf } from "../../../src/stanza/roster.js";
import { openStore } from "../../../src/store/index.js";

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

describe("the roster kept across sessions (RFC 6121 §2.6, XEP-0237)", () => {
  const ME = "alice@example.org";
  const OWNER = `account:${ME}`;
  const item = (jid: string, subscription = "both") => xml("item", { jid, subscription });

  async function setUp(versioning: boolean) {
    const store = await openStore(":memory:");
    const asked: Element[] = [];
    let answer: (iq: Element) => Element = (iq) => xml("iq", { type: "result", id: iq.attrs.id });
    const roster = createRoster({
      jid: ME,
      owner: OWNER,
      store,
      session: {
        request: async (iq) => {
          asked.push(iq);
          return answer(iq);
        },
        send: async () => {},
        offers: () => ({ rosterVersioning: versioning, preApproval: false }),
      },
      log: silentLogger,
    });
    return {
      store,
      roster,
      asked,
      answerWith(next: (iq: Element) => Element) {
        answer = next;
      },
    };
  }

  it("asks with the kept version and keeps the roster when the server says it is current", async () => {
    const { store, roster, asked, answerWith } = await setUp(true);
    try {
      answerWith((iq) =>
        xml(
          "iq",
          { type: "result", id: iq.attrs.id },
          xml(
            "query",
            { xmlns: "jabber:iq:roster", ver: "v1" },
            item("bob@x"),
            item("carl@x", "to"),
          ),
        ),
      );
      await roster.fetch();
      expect(asked[0]?.getChild("query")?.attrs.ver).toBe("");
      // A push moves the version; the next session asks from there and gets no items back.
      roster.observe(
        xml(
          "iq",
          { type: "set", from: ME },
          xml("query", { xmlns: "jabber:iq:roster", ver: "v2" }, item("dora@x", "none")),
        ),
      );
      answerWith((iq) => xml("iq", { type: "result", id: iq.attrs.id }));
      const again = createRoster({
        jid: ME,
        owner: OWNER,
        store,
        session: {
          request: async (iq: Element) => {
            asked.push(iq);
            return xml("iq", { type: "result", id: iq.attrs.id });
          },
          send: async () => {},
          offers: () => ({ rosterVersioning: true, preApproval: false }),
        },
        log: silentLogger,
      });
      await again.load();
      await again.fetch();
      expect(asked.at(-1)?.getChild("query")?.attrs.ver).toBe("v2");
      expect(again.contacts().map((c) => c.jid)).toEqual(["bob@x", "carl@x", "dora@x"]);
    } finally {
      await store.close();
    }
  });

  it("lists a request until the contact is approved, on this client or another", async () => {
    const { store, roster } = await setUp(false);
    try {
      roster.observe(xml("presence", { from: "bob@x/phone", type: "subscribe" }));
      expect(roster.requests().map((r) => r.jid)).toEqual(["bob@x"]);
      expect(await store.listSubscriptionRequests(OWNER)).toHaveLength(1);
      // Another client approved it: the push says `from`.
      roster.observe(
        xml(
          "iq",
          { type: "set", from: ME },
          xml("query", { xmlns: "jabber:iq:roster" }, item("bob@x", "from")),
        ),
      );
      expect(roster.requests()).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
