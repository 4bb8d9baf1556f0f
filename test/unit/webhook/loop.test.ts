/** The loop rule (README, "Security"): nothing from the bridge's own domain is forwarded or answered. */
import xml from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import { shouldForward } from "../../../src/webhook/filter.js";
import { isOwnAddress } from "../../../src/webhook/loop.js";
import { replyFor } from "../../../src/webhook/reply.js";

describe("the loop rule", () => {
  const rules = {
    domain: "rest.example",
    stanzas: ["message", "presence", "iq"],
    events: ["bare", "full", "host"],
  };
  const ctx = { domain: "rest.example", sizeLimit: 10_000 };
  const echo = (body: string) => ({
    kind: "answered" as const,
    status: 200,
    contentType: "text/plain",
    body,
  });

  it("knows the bridge's own addresses", () => {
    expect(isOwnAddress("rest.example", "rest.example")).toBe(true);
    expect(isOwnAddress("bot@rest.example/r", "rest.example")).toBe(true);
    expect(isOwnAddress("alice@example", "rest.example")).toBe(false);
    expect(isOwnAddress("x@sub.rest.example", "rest.example")).toBe(false);
    expect(isOwnAddress(undefined, "rest.example")).toBe(false);
  });

  it("never forwards a stanza from the bridge's own domain to the webhook", () => {
    const own = xml("message", { from: "rest.example", to: "echo@rest.example", type: "chat" });
    expect(shouldForward(own, rules)).toBe(false);
    const user = xml("message", { from: "alice@example/p", to: "echo@rest.example", type: "chat" });
    expect(shouldForward(user, rules)).toBe(true);
  });

  it("never replies to the bridge's own domain, even for an answer that asks to", () => {
    const own = xml("message", {
      from: "x@rest.example",
      to: "echo@rest.example",
      type: "chat",
      id: "1",
    });
    const decision = replyFor(own, echo("hi"), ctx);
    expect(decision.reply).toBeUndefined();
    expect(decision.problem).toContain("loop rule");
    const user = xml("message", {
      from: "alice@example/p",
      to: "echo@rest.example",
      type: "chat",
      id: "1",
    });
    expect(replyFor(user, echo("hi"), ctx).reply?.attrs.to).toBe("alice@example/p");
  });
});
