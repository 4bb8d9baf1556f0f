/**
 * Issue 8's reproductions at the unit level (the integration file replays them against
 * Prosody): parse limits that stop at once, the timeout header, the loop rule.
 */
import xml from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import { codecFor } from "../../src/formats/index.js";
import { MAX_ELEMENTS, parseXmlElement } from "../../src/formats/xml.js";
import { parseTimeoutHeader } from "../../src/http/timeout-header.js";
import { StanzaError } from "../../src/stanza/errors.js";
import { shouldForward } from "../../src/webhook/filter.js";
import { isOwnAddress } from "../../src/webhook/loop.js";
import { replyFor } from "../../src/webhook/reply.js";

function refusal(run: () => unknown): StanzaError {
  try {
    run();
  } catch (err) {
    if (err instanceof StanzaError) return err;
    throw err;
  }
  throw new Error("expected a StanzaError");
}

const cpuMs = (run: () => unknown) => {
  const started = process.cpuUsage();
  try {
    run();
  } catch {}
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000;
};

describe("parsing stops at the first limit", () => {
  it("refuses 60,000 nested elements at depth 101 without reading on (defect 5: was 19 s)", () => {
    const body = `<message to="bob@localhost">${"<a>".repeat(60_000)}${"</a>".repeat(60_000)}</message>`;
    expect(refusal(() => parseXmlElement(body)).text).toContain("deeper than 100");
    // CPU time, so a loaded machine does not make it flaky: reading the whole body would take
    // seconds, stopping at the limit well under a millisecond.
    expect(cpuMs(() => parseXmlElement(body))).toBeLessThan(200);
  });

  it(`refuses more than ${MAX_ELEMENTS} elements with 413`, () => {
    const body = `<message to="bob@localhost">${"<b/>".repeat(MAX_ELEMENTS + 1)}</message>`;
    const err = refusal(() => parseXmlElement(body));
    expect(err.status).toBe(413);
    expect(
      parseXmlElement(`<message>${"<b/>".repeat(MAX_ELEMENTS - 1)}</message>`).root.children,
    ).toHaveLength(MAX_ELEMENTS - 1);
  });

  it.each([
    [
      "U+FFFD in an element name (invalid UTF-8 decodes to it, defect 2)",
      "<message><a\uFFFD/></message>",
    ],
    ["U+FEFF in an element name", "<message><bo\uFEFFdy>x</bo\uFEFFdy></message>"],
    ["U+FFFD in an attribute name", '<message><a b\uFFFD="1"/></message>'],
    ["U+FFFD in a prefix", '<message><p\uFFFD:a xmlns:p\uFFFD="u"/></message>'],
  ])("refuses %s with 422", (_, body) => {
    const err = refusal(() => parseXmlElement(body));
    expect(err.status).toBe(422);
    expect(err.condition).toBe("invalid-xml");
  });

  it("stops at the first error even when more follow", () => {
    const body = `<message><a\uFFFD/>${"<b>".repeat(60_000)}</message>`;
    expect(cpuMs(() => parseXmlElement(body))).toBeLessThan(200);
  });
});

describe("path form with an XML body (defect 1)", () => {
  const xmlCodec = codecFor("application/xmpp+xml");

  it.each(["\u0001", "\u0000", "\uFFFE", "bogus"])("refuses the type %j with 422", (type) => {
    const err = refusal(() =>
      xmlCodec?.decode("<presence/>", { kind: "presence", type, to: "bob@localhost" }),
    );
    expect(err.status).toBe(422);
  });

  it("takes a valid type, and 'available' as no type", () => {
    expect(
      xmlCodec?.decode("<message/>", { kind: "message", type: "chat" }).stanza.attrs.type,
    ).toBe("chat");
    const presence = xmlCodec?.decode('<presence type="unavailable"/>', {
      kind: "presence",
      type: "available",
    });
    expect(presence?.stanza.attrs.type).toBeUndefined();
  });
});

describe("Prosody-Rest-Timeout", () => {
  it.each([
    ["10", 10_000],
    ["2.5", 2_500],
    [" 1 ", 1_000],
    ["0.001", 1],
    ["999999", 300_000],
  ])("reads %j as %d ms", (header, ms) => {
    expect(parseTimeoutHeader(header, 120_000, 300_000)).toBe(ms);
  });

  it("uses the default without a header", () => {
    expect(parseTimeoutHeader(undefined, 120_000, 300_000)).toBe(120_000);
  });

  it.each(["1e-9", "0x10", "0", "0.0001", "-1", "", "abc", "Infinity", "1,5", "+3", ".5"])(
    "refuses %j with 400",
    (header) => {
      expect(refusal(() => parseTimeoutHeader(header, 120_000, 300_000)).status).toBe(400);
    },
  );
});

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

describe("webhook answers go through the gate (defect 2, webhook side)", () => {
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
