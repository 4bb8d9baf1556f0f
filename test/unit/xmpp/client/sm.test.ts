import xml from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import { createStreamManagement } from "../../../../src/xmpp/client/sm.js";

const message = (id: string) => `<message id='${id}'/>`;

describe("XEP-0198 stream management, the client's counters", () => {
  it("answers <r/> with the count of stanzas handled", () => {
    const sm = createStreamManagement();
    sm.started("s1", true);
    const replies: string[] = [];
    for (const id of ["1", "2", "3"]) sm.received(xml("message", { id }), (t) => replies.push(t));
    expect(sm.received(xml("r", { xmlns: "urn:xmpp:sm:3" }), (t) => replies.push(t))).toBe(true);
    expect(replies).toEqual(["<a xmlns='urn:xmpp:sm:3' h='3'/>"]);
  });

  it("keeps what was sent until acknowledged, and gives back the rest on resumption", () => {
    const sm = createStreamManagement();
    sm.started("s1", true);
    for (const id of ["1", "2", "3", "4"]) sm.sent(message(id));
    sm.received(xml("a", { xmlns: "urn:xmpp:sm:3", h: "1" }), () => {});
    expect(sm.unacked).toBe(3);
    sm.suspend();
    expect(sm.resumeRequest()?.attrs).toMatchObject({ previd: "s1", h: "0" });
    expect(sm.resumed(2)).toEqual([message("3"), message("4")]);
  });

  it("hands back what was never acknowledged when the session cannot be resumed", () => {
    const sm = createStreamManagement();
    sm.started("s1", true);
    sm.sent(message("1"));
    sm.suspend();
    expect(sm.reset()).toEqual([message("1")]);
    expect(sm.resumeRequest()).toBeUndefined();
  });

  it("does not resume a session the server said it would not keep", () => {
    const sm = createStreamManagement();
    sm.started("s1", false);
    expect(sm.resumeRequest()).toBeUndefined();
  });

  it("holds a bounded number of unacknowledged stanzas", () => {
    const sm = createStreamManagement(2);
    sm.started("s1", true);
    for (const id of ["1", "2", "3"]) sm.sent(message(id));
    expect(sm.unacked).toBe(2);
  });
});
