import xml, { type Element } from "@xmpp/xml";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { automaticAnswer } from "../../../src/bots/auto-answer.js";
import { createInboundIqs } from "../../../src/bots/iq-answers.js";
import { silentLogger } from "../../../src/log.js";
import { StanzaError } from "../../../src/stanza/errors.js";

const iq = (type: string, child: Element, attrs: Record<string, string> = {}) =>
  xml(
    "iq",
    { type, from: "alice@example.org/phone", to: "bot@rest.example.org/r", id: "q1", ...attrs },
    child,
  );

describe("automaticAnswer", () => {
  it("answers disco#info with identity client/bot and its features (XEP-0030 §3.1)", () => {
    const answer = automaticAnswer(
      iq("get", xml("query", { xmlns: "http://jabber.org/protocol/disco#info" })),
      "bot",
    );
    expect(answer?.attrs).toEqual({
      type: "result",
      from: "bot@rest.example.org/r",
      to: "alice@example.org/phone",
      id: "q1",
    });
    const query = answer?.getChild("query", "http://jabber.org/protocol/disco#info");
    expect(query?.getChild("identity")?.attrs).toEqual({
      category: "client",
      type: "bot",
      name: "bot",
    });
    expect(query?.getChildren("feature").map((f) => f.attrs.var)).toEqual([
      "http://jabber.org/protocol/disco#info",
      "urn:xmpp:ping",
      "http://jabber.org/protocol/commands",
    ]);
  });

  it("answers ping with an empty result (XEP-0199 §4.2)", () => {
    const answer = automaticAnswer(iq("get", xml("ping", { xmlns: "urn:xmpp:ping" })), "bot");
    expect(answer?.attrs.type).toBe("result");
    expect(answer?.children).toHaveLength(0);
  });

  it("leaves the rest to the bot: a node, another query, a set, a message", () => {
    const disco = { xmlns: "http://jabber.org/protocol/disco#info" };
    expect(
      automaticAnswer(iq("get", xml("query", { ...disco, node: "n" })), "bot"),
    ).toBeUndefined();
    expect(
      automaticAnswer(iq("get", xml("query", { xmlns: "jabber:iq:version" })), "bot"),
    ).toBeUndefined();
    expect(
      automaticAnswer(iq("set", xml("ping", { xmlns: "urn:xmpp:ping" })), "bot"),
    ).toBeUndefined();
    expect(automaticAnswer(xml("message", {}, xml("body", {}, "ping")), "bot")).toBeUndefined();
  });
});

describe("inbound iqs waiting for a pulling bot", () => {
  let sent: Element[];
  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
  });
  afterEach(() => vi.useRealTimers());

  const tracker = (maxPending = 10) =>
    createInboundIqs({
      link: { send: async (s) => void sent.push(s) },
      timeoutMs: 5_000,
      maxPending,
      log: silentLogger,
    });

  const answer = (attrs: Record<string, string> = {}) =>
    xml("iq", {
      type: "result",
      to: "alice@example.org/phone",
      id: "q1",
      from: "bot@rest.example.org",
      ...attrs,
    });

  it("lets the bot answer once, from the address the iq was sent to", () => {
    const iqs = tracker();
    expect(iqs.track(iq("get", xml("query", { xmlns: "urn:x" })), "bot")).toBe(true);
    const claimed = iqs.claim(answer(), "bot");
    expect(claimed.attrs.from).toBe("bot@rest.example.org/r");
    expect(() => iqs.claim(answer(), "bot")).toThrow(StanzaError);
    vi.advanceTimersByTime(10_000);
    expect(sent).toHaveLength(0);
  });

  it("refuses an answer to an iq another bot received, or from someone else, or with another id", () => {
    const iqs = tracker();
    iqs.track(iq("get", xml("query", { xmlns: "urn:x" })), "bot");
    for (const [attrs, bot] of [
      [{}, "other"],
      [{ to: "mallory@example.org/x" }, "bot"],
      [{ id: "q2" }, "bot"],
    ] as const) {
      try {
        iqs.claim(answer(attrs), bot);
        expect.fail("claimed");
      } catch (err) {
        expect((err as StanzaError).status).toBe(422);
      }
    }
    expect(iqs.size).toBe(1);
  });

  it("answers wait/remote-server-timeout when the bot does not answer in time", () => {
    const iqs = tracker();
    iqs.track(iq("set", xml("query", { xmlns: "urn:x" })), "bot");
    vi.advanceTimersByTime(5_000);
    expect(sent).toHaveLength(1);
    const error = StanzaError.fromElement(sent[0] as Element);
    expect(sent[0]?.attrs).toMatchObject({
      type: "error",
      to: "alice@example.org/phone",
      from: "bot@rest.example.org/r",
      id: "q1",
    });
    expect(error?.type).toBe("wait");
    expect(error?.condition).toBe("remote-server-timeout");
    expect(() => iqs.claim(answer(), "bot")).toThrow(StanzaError);
  });

  it("says no when too many iqs already wait", () => {
    const iqs = tracker(1);
    expect(iqs.track(iq("get", xml("a", { xmlns: "urn:x" })), "bot")).toBe(true);
    expect(iqs.track(iq("get", xml("a", { xmlns: "urn:x" }), { id: "q2" }), "bot")).toBe(false);
  });
});
