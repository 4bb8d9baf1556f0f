import xml from "@xmpp/xml";
import { afterEach, describe, expect, it, vi } from "vitest";
import { StanzaError } from "../../../src/stanza/errors.js";
import { createIqTracker } from "../../../src/xmpp/iq-tracker.js";

afterEach(() => {
  vi.useRealTimers();
});

const result = (id: string, from: string) =>
  xml("iq", { type: "result", id, from, to: "rest.example.org" });

describe("createIqTracker", () => {
  it("resolves a waiter with the reply from the addressee", async () => {
    const iqs = createIqTracker({ maxPending: 10 });
    const reply = iqs.expect("1", "user@example.org", 1000);
    expect(iqs.handle(result("1", "User@Example.org"))).toBe(true);
    expect((await reply).reply.attrs.id).toBe("1");
    expect(iqs.size).toBe(0);
  });

  it("ignores a reply with the right id from another address", async () => {
    vi.useFakeTimers();
    const iqs = createIqTracker({ maxPending: 10 });
    const reply = iqs.expect("1", "user@example.org", 1000);
    expect(iqs.handle(result("1", "mallory@example.org"))).toBe(false);
    vi.advanceTimersByTime(1000);
    await expect(reply).rejects.toMatchObject({ status: 504, condition: "remote-server-timeout" });
  });

  it("ignores stanzas that are not iq results or errors", () => {
    const iqs = createIqTracker({ maxPending: 10 });
    void iqs.expect("1", "a@b", 1000).catch(() => {});
    expect(iqs.handle(xml("message", { id: "1", from: "a@b" }))).toBe(false);
    expect(iqs.handle(xml("iq", { type: "get", id: "1", from: "a@b" }))).toBe(false);
    iqs.failAll(new StanzaError("cancel", "gone"));
  });

  it("refuses a duplicate id with 409 without touching the first waiter", async () => {
    const iqs = createIqTracker({ maxPending: 10 });
    const first = iqs.expect("dup", "a@b", 1000);
    expect(() => iqs.expect("dup", "a@b", 1000)).toThrow(
      expect.objectContaining({ status: 409, condition: "conflict" }),
    );
    iqs.handle(result("dup", "a@b"));
    expect((await first).reply.attrs.type).toBe("result");
  });

  it("refuses beyond maxPending with 503 and keeps every waiter", () => {
    const iqs = createIqTracker({ maxPending: 2 });
    const waiting = [iqs.expect("a", "a@b", 1000), iqs.expect("b", "a@b", 1000)];
    expect(() => iqs.expect("c", "a@b", 1000)).toThrow(expect.objectContaining({ status: 503 }));
    expect(iqs.size).toBe(2);
    for (const w of waiting) w.catch(() => {});
    iqs.failAll(new StanzaError("cancel", "gone"));
  });

  it("fails every waiter at once", async () => {
    const iqs = createIqTracker({ maxPending: 10 });
    const waiting = [iqs.expect("a", "a@b", 60_000), iqs.expect("b", "a@b", 60_000)];
    iqs.failAll(new StanzaError("wait", "service-unavailable", { text: "down", status: 503 }));
    for (const w of waiting) await expect(w).rejects.toMatchObject({ status: 503 });
    expect(iqs.size).toBe(0);
  });

  it("collects archive result messages for a MAM query until the iq result", async () => {
    const iqs = createIqTracker({ maxPending: 10 });
    const waiting = iqs.expect("q1", "alice@example.org", 1000, { mamQueryId: "qid" });
    const result = (queryid: string, from: string) =>
      xml("message", { from }, xml("result", { xmlns: "urn:xmpp:mam:2", queryid, id: "a1" }));
    expect(iqs.handle(result("qid", "alice@example.org"))).toBe(true);
    expect(iqs.handle(result("other", "alice@example.org"))).toBe(false);
    expect(iqs.handle(result("qid", "mallory@example.org"))).toBe(false);
    iqs.handle(xml("iq", { type: "result", id: "q1", from: "alice@example.org" }));
    const { results } = await waiting;
    expect(results).toHaveLength(1);
    expect(iqs.handle(result("qid", "alice@example.org"))).toBe(false);
  });
});
