import xml, { type Element } from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import { createRoutedConnection } from "../../../src/outbound/routed.js";
import type { Outbox, OutboxAnswer } from "../../../src/store/cluster.js";
import { fakeLink } from "../../helpers/fake-link.js";

function parts(options: { directFree: boolean; reachable?: boolean }) {
  const direct: Element[] = [];
  const link = fakeLink("rest.example.org", (stanza) => direct.push(stanza));
  const added: Parameters<Outbox["add"]>[0][] = [];
  const answers = new Map<string, OutboxAnswer>();
  const abandoned: string[] = [];
  const listeners = new Set<(payload: string) => void>();
  const outbox = {
    async add(entry: Parameters<Outbox["add"]>[0]) {
      added.push(entry);
      return String(added.length);
    },
    collect: async (id: string) => answers.get(id),
    abandon: async (id: string) => void abandoned.push(id),
  } as unknown as Outbox;
  const routed = createRoutedConnection({
    direct: link,
    outbox,
    on: (_channel, listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    instance: "me",
    directFree: () => options.directFree,
    reachable: () => options.reachable ?? true,
  });
  const answer = (id: string, reply: string) => {
    answers.set(id, { reply, results: [] });
    for (const listener of listeners) listener(id);
  };
  return { routed, direct, added, abandoned, answer };
}

describe("the way out with several processes", () => {
  it("sends directly while this process holds the link and nothing waits in the outbox", async () => {
    const { routed, direct, added } = parts({ directFree: true });
    await routed.send(xml("message", { to: "alice@x", id: "1" }));
    expect(direct).toHaveLength(1);
    expect(added).toEqual([]);
    routed.stop();
  });

  it("stores in the outbox otherwise, from the domain unless said, and is online while the database is", async () => {
    const { routed, direct, added } = parts({ directFree: false });
    expect(routed.state).toBe("online");
    await routed.send(xml("message", { to: "alice@x", id: "1" }));
    expect(direct).toEqual([]);
    expect(added).toEqual([
      {
        stanza: '<message to="alice@x" id="1" from="rest.example.org"/>',
        kind: "message",
        claim: undefined,
      },
    ]);
    routed.stop();
    const away = parts({ directFree: false, reachable: false });
    expect(away.routed.state).toBe("offline");
    expect(away.routed.retryAfterSeconds()).toBeGreaterThan(0);
    away.routed.stop();
  });

  it("marks an owner's iq answer for the holder to check", async () => {
    const { routed, added } = parts({ directFree: true });
    const answer = routed.deferClaim(
      xml("iq", { type: "result", id: "q", from: "bot@rest.example.org", to: "a@x/r" }),
      "bot:bot",
    );
    await routed.send(answer);
    expect(added[0]).toMatchObject({ kind: "iq", claim: "bot:bot" });
    routed.stop();
  });

  it("waits for an iq's reply routed back through the database, and gives up (504) at its timeout", async () => {
    const { routed, added, abandoned, answer } = parts({ directFree: false });
    const asking = routed.request(xml("iq", { type: "get", id: "q1", to: "Localhost" }), 5_000);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(added[0]).toMatchObject({
      kind: "iq",
      waiter: "me",
      responder: "localhost",
      stanzaId: "q1",
    });
    answer("1", '<iq type="result" id="q1" from="localhost"/>');
    const reply = await asking;
    expect(reply.reply.attrs).toMatchObject({ type: "result", id: "q1" });
    await expect(
      routed.request(xml("iq", { type: "get", id: "q2", to: "localhost" }), 20),
    ).rejects.toMatchObject({ status: 504 });
    expect(abandoned).toEqual(["2"]);
    routed.stop();
  });
});
