import xml from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import { unavailable } from "../../../src/stanza/errors.js";
import { createBarriers } from "../../../src/xmpp/barriers.js";

describe("barriers (a round trip through the server)", () => {
  it("is an iq from and to the domain; passes when it comes back, or when the server answers it", async () => {
    const barriers = createBarriers();
    const first = barriers.create("rest.example.org", 1_000);
    expect(first.stanza.attrs).toMatchObject({
      type: "get",
      from: "rest.example.org",
      to: "rest.example.org",
    });
    expect(first.stanza.getChild("ping", "urn:xmpp:ping")).toBeDefined();
    // Routed back: the same stanza arrives.
    expect(barriers.handle(first.stanza)).toBe(true);
    await expect(first.passed).resolves.toBeUndefined();
    const second = barriers.create("rest.example.org", 1_000);
    const { id } = second.stanza.attrs;
    expect(
      barriers.handle(
        xml("iq", { type: "error", id, from: "rest.example.org", to: "rest.example.org" }),
      ),
    ).toBe(true);
    await expect(second.passed).resolves.toBeUndefined();
  });

  it("takes nothing else: another address, another id, a message", () => {
    const barriers = createBarriers();
    const barrier = barriers.create("rest.example.org", 1_000);
    const { id } = barrier.stanza.attrs;
    expect(
      barriers.handle(
        xml("iq", { type: "get", id, from: "alice@example.org", to: "rest.example.org" }),
      ),
    ).toBe(false);
    expect(
      barriers.handle(
        xml("iq", { type: "get", id: "other", from: "rest.example.org", to: "rest.example.org" }),
      ),
    ).toBe(false);
    expect(barriers.handle(xml("message", { id, from: "rest.example.org" }))).toBe(false);
    barrier.cancel(unavailable("gone"));
  });

  it("swallows another process's barrier coming back on a link that changed hands", () => {
    const barriers = createBarriers();
    const mine = barriers.create("rest.example.org", 1_000);
    const theirs = xml("iq", {
      type: "get",
      id: "xr-barrier-from-the-last-holder",
      from: "rest.example.org",
      to: "rest.example.org",
    });
    expect(barriers.handle(theirs)).toBe(true);
    mine.cancel(unavailable("gone"));
  });

  it("fails with the link's 503 when the stream drops, and with 504 when nothing comes back in time", async () => {
    const barriers = createBarriers();
    const dropped = barriers.create("rest.example.org", 1_000);
    barriers.failAll(unavailable("the XMPP server link is down", 1));
    await expect(dropped.passed).rejects.toMatchObject({ status: 503 });
    const late = barriers.create("rest.example.org", 10);
    await expect(late.passed).rejects.toMatchObject({ status: 504 });
  });
});
