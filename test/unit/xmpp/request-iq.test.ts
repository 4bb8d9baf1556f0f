import xml, { type Element } from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import { StanzaError } from "../../../src/stanza/errors.js";
import { createIqTracker } from "../../../src/xmpp/iq-tracker.js";
import { requestIq } from "../../../src/xmpp/request-iq.js";

const ping = (id: string) =>
  xml(
    "iq",
    { type: "get", id, to: "room@muc.example.org" },
    xml("ping", { xmlns: "urn:xmpp:ping" }),
  );

describe("requestIq", () => {
  it("resolves with the reply to the iq it sent, even one answered during the send", async () => {
    const iqs = createIqTracker({ maxPending: 10 });
    const sent: Element[] = [];
    const link = {
      send: async (iq: Element) => {
        sent.push(iq);
        iqs.handle(xml("iq", { type: "result", id: iq.attrs.id, from: iq.attrs.to }));
      },
    };
    const answer = await requestIq(link, iqs, ping("p1"), 1_000);
    expect(sent.map((iq) => iq.attrs.id)).toEqual(["p1"]);
    expect(answer.reply.attrs).toMatchObject({ type: "result", id: "p1" });
    expect(iqs.size).toBe(0);
  });

  it("fails with the send's own StanzaError and leaves no waiter behind", async () => {
    const iqs = createIqTracker({ maxPending: 10 });
    const down = new StanzaError("wait", "service-unavailable", { status: 503, text: "down" });
    const link = {
      send: async () => {
        throw down;
      },
    };
    await expect(requestIq(link, iqs, ping("p2"), 1_000)).rejects.toBe(down);
    expect(iqs.size).toBe(0);
  });

  it("turns a send failure that is not a StanzaError into a 503", async () => {
    const iqs = createIqTracker({ maxPending: 10 });
    const link = {
      send: async () => {
        throw new Error("EPIPE");
      },
    };
    await expect(requestIq(link, iqs, ping("p3"), 1_000)).rejects.toMatchObject({
      status: 503,
      condition: "service-unavailable",
    });
    expect(iqs.size).toBe(0);
  });
});
