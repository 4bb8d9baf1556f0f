/** Webhook answers go through the same gate as the link before they become replies. */
import xml from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import { replyFor } from "../../../src/webhook/reply.js";

describe("webhook answers go through the gate", () => {
  const ctx = { domain: "rest.example", sizeLimit: 10_000 };
  const inbound = xml("message", {
    from: "alice@example/p",
    to: "bot@rest.example",
    type: "chat",
    id: "m1",
  });

  it("answers a reply with a name the server refuses with an error to the user", () => {
    const decision = replyFor(
      inbound,
      {
        kind: "answered",
        status: 200,
        contentType: "application/json",
        body: JSON.stringify({
          kind: "message",
          body: "x",
          html: "<body xmlns='http://www.w3.org/1999/xhtml'><p\uFFFD/></body>",
        }),
      },
      ctx,
    );
    expect(decision.reply?.attrs.type).toBe("error");
    expect(decision.reply?.attrs.to).toBe("alice@example/p");
  });

  it("answers a reply that escaping grows past the limit with an error to the user", () => {
    const decision = replyFor(
      inbound,
      { kind: "answered", status: 200, contentType: "text/plain", body: "&".repeat(3_000) },
      ctx,
    );
    expect(decision.reply?.attrs.type).toBe("error");
    expect(decision.problem).toContain("limit");
  });
});

describe("reply language", () => {
  const ctx = { domain: "rest.example", sizeLimit: 10_000 };
  const inbound = xml(
    "iq",
    { from: "alice@example/p", to: "bot@rest.example", type: "get", id: "q" },
    xml("ping", { xmlns: "urn:xmpp:ping" }),
  );
  const answer = (lang: string) => ({
    kind: "answered" as const,
    status: 200,
    contentType: "application/xmpp+xml",
    body: `<iq type="result" xml:lang="${lang}"/>`,
  });

  it("keeps a language tag and leaves out what is not one (ejabberd would discard the reply)", () => {
    expect(replyFor(inbound, answer("en-GB"), ctx).reply?.attrs["xml:lang"]).toBe("en-GB");
    const bad = replyFor(inbound, answer("xml:"), ctx).reply;
    expect(bad?.attrs.type).toBe("result");
    expect(bad?.attrs["xml:lang"]).toBeUndefined();
  });
});
