import xml from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import { createConversations } from "../../../src/accounts/conversations.js";
import { silentLogger } from "../../../src/log.js";
import type { ConversationRecord } from "../../../src/store/contacts.js";

const ME = "alice@example.org";

function make() {
  const stored = new Map<string, ConversationRecord>();
  const conversations = createConversations({
    jid: ME,
    owner: `account:${ME}`,
    store: {
      listConversations: async () => [...stored.values()],
      putConversation: async (_owner, c) => {
        stored.set(c.with, c);
      },
    },
    log: silentLogger,
  });
  return { conversations, stored };
}

const chat = (from: string, to: string, id: string, body?: string) =>
  xml("message", { from, to, type: "chat", id }, body ? xml("body", {}, body) : null);
const marker = (to: string, id: string) =>
  xml(
    "message",
    { from: `${ME}/phone`, to, type: "chat", id: `m-${id}` },
    xml("displayed", { xmlns: "urn:xmpp:chat-markers:0", id }),
  );

describe("an account's conversations", () => {
  it("counts incoming messages after the last displayed marker the account sent", () => {
    const { conversations } = make();
    conversations.observe(chat("bob@x/a", ME, "1", "one"), "in", 1);
    conversations.observe(chat("bob@x/a", ME, "2", "two"), "in", 2);
    conversations.observe(chat("bob@x/a", ME, "3", "three"), "in", 3);
    expect(conversations.get("bob@x")?.unread).toBe(3);
    conversations.observe(marker("bob@x", "2"), "out", 4);
    expect(conversations.get("bob@x")).toMatchObject({ unread: 1, displayedId: "2" });
    // A marker the account received (the contact read ours) changes nothing.
    conversations.observe(marker("bob@x", "3"), "in", 5);
    expect(conversations.get("bob@x")?.unread).toBe(1);
  });

  it("moves the last message for the account's own messages without counting them", () => {
    const { conversations } = make();
    conversations.observe(chat("bob@x/a", ME, "1", "hi"), "in", 1);
    conversations.observe(chat(ME, "bob@x", "2", "hello"), "out", 2);
    expect(conversations.get("bob@x")).toMatchObject({
      unread: 1,
      last: { id: "2", from: ME, body: "hello" },
    });
  });

  it("counts a message once, however often a catch-up or carbon brings it", () => {
    const { conversations } = make();
    conversations.observe(chat("bob@x/a", ME, "1", "hi"), "in", 1);
    conversations.observe(chat("bob@x/a", ME, "1", "hi"), "in", 1);
    expect(conversations.get("bob@x")?.unread).toBe(1);
  });

  it("pages newest first with a cursor", () => {
    const { conversations } = make();
    for (const [peer, time] of [
      ["a@x", 1],
      ["b@x", 3],
      ["c@x", 2],
    ] as const) {
      conversations.observe(chat(`${peer}/r`, ME, `${time}`, "hi"), "in", time);
    }
    const first = conversations.page(undefined, 2);
    expect(first.conversations.map((c) => c.with)).toEqual(["b@x", "c@x"]);
    const second = conversations.page(first.before, 2);
    expect(second.conversations.map((c) => c.with)).toEqual(["a@x"]);
    expect(second.before).toBeUndefined();
  });

  it("builds the marker to send, and refuses a message it does not know", () => {
    const { conversations } = make();
    conversations.observe(chat("bob@x/a", ME, "1", "hi"), "in", 1);
    expect(() => conversations.read("bob@x", "nope")).toThrow(/no message 'nope'/);
    expect(() => conversations.read("nobody@x", undefined)).toThrow(/no conversation/);
    const sent = conversations.read("bob@x", undefined);
    expect(sent.attrs).toMatchObject({ to: "bob@x", type: "chat" });
    expect(sent.getChild("displayed", "urn:xmpp:chat-markers:0")?.attrs.id).toBe("1");
    expect(conversations.get("bob@x")?.unread).toBe(0);
  });
});
