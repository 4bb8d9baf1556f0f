import xml from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import { createBounces } from "../../../src/xmpp/bounces.js";

const error = (id: string, from: string) =>
  xml(
    "message",
    { type: "error", id, from, to: "bot@rest.localhost/rooms" },
    xml(
      "error",
      { type: "auth" },
      xml("forbidden", { xmlns: "urn:ietf:params:xml:ns:xmpp-stanzas" }),
    ),
  );

describe("bounces", () => {
  it("hands a watched message's error from its addressee to the watcher", async () => {
    const bounces = createBounces();
    const watch = bounces.watch("m1", "Room@conference.localhost");
    expect(bounces.handle(error("m1", "room@conference.localhost"))).toBe(true);
    const err = await watch.refused;
    expect([err.condition, err.status]).toEqual(["forbidden", 403]);
  });

  it("leaves errors from elsewhere, other ids and stopped watches to the rest of the bridge", () => {
    const bounces = createBounces();
    const watch = bounces.watch("m1", "room@conference.localhost");
    expect(bounces.handle(error("m1", "mallory@localhost"))).toBe(false);
    expect(bounces.handle(error("m2", "room@conference.localhost"))).toBe(false);
    expect(bounces.handle(xml("message", { id: "m1", from: "room@conference.localhost" }))).toBe(
      false,
    );
    watch.stop();
    expect(bounces.handle(error("m1", "room@conference.localhost"))).toBe(false);
  });
});
