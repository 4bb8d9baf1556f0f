import xml, { type Element } from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import { createOutboxSender } from "../../../src/cluster/outbox-sender.js";
import { serializeStanza } from "../../../src/formats/xml.js";
import { silentLogger } from "../../../src/log.js";
import type { ConnectionState } from "../../../src/stanza/connection-states.js";
import { unprocessable } from "../../../src/stanza/errors.js";
import type { Outbox, OutboxAnswer, OutboxEntry } from "../../../src/store/cluster.js";

/** The outbox as a table in memory: pending, written, done, answered. */
function memoryOutbox() {
  const rows: (OutboxEntry & { state: "pending" | "written" })[] = [];
  const answers = new Map<string, OutboxAnswer>();
  const done: string[] = [];
  let next = 0;
  const outbox: Outbox = {
    async add(entry) {
      next += 1;
      rows.push({ ...entry, id: String(next), state: "pending" });
      return String(next);
    },
    async take(limit) {
      const taken = rows.filter((r) => r.state === "pending").slice(0, limit);
      for (const row of taken) row.state = "written";
      return taken.map(({ state: _state, ...entry }) => entry);
    },
    async done(ids) {
      done.push(...ids);
      for (const id of ids)
        rows.splice(
          rows.findIndex((r) => r.id === id),
          1,
        );
    },
    async resend() {
      return 0;
    },
    async answer(id, answer) {
      answers.set(id, answer);
    },
    collect: async () => undefined,
    abandon: async () => {},
    depth: async () => rows.length,
  };
  return { outbox, rows, answers, done };
}

function fakeLink() {
  const written: string[] = [];
  const events: string[] = [];
  const link = {
    state: "online" as ConnectionState,
    async send(stanza: Element) {
      written.push(stanza.attrs.id ?? "");
      events.push(`send ${stanza.attrs.id}`);
    },
    async request(iq: Element) {
      events.push(`request ${iq.attrs.id}`);
      return {
        reply: xml("iq", { type: "result", id: iq.attrs.id, from: iq.attrs.to }),
        results: [],
      };
    },
    async barrier() {
      events.push("barrier");
    },
    onStateChange: () => () => {},
  };
  return { link, written, events };
}

const until = async (check: () => boolean, what: string) => {
  const deadline = Date.now() + 2_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
};

const message = (id: string) => serializeStanza(xml("message", { id, to: "alice@example.org" }));

describe("sending from the outbox (the link holder)", () => {
  it("sends in id order, then a barrier, and only then are the rows done; an iq's reply goes to its waiter", async () => {
    const { outbox, answers, done } = memoryOutbox();
    const { link, events } = fakeLink();
    await outbox.add({ stanza: message("m1"), kind: "message" });
    const iq = await outbox.add({
      stanza: serializeStanza(xml("iq", { id: "q1", type: "get", to: "localhost" })),
      kind: "iq",
      waiter: "other-process",
      deadline: Date.now() + 10_000,
    });
    await outbox.add({ stanza: message("m2"), kind: "message" });
    const sender = createOutboxSender({
      outbox,
      on: () => () => {},
      link,
      holding: () => true,
      claimAnswer: (answer) => answer,
      log: silentLogger,
    });
    sender.wake();
    await until(() => done.length === 2 && answers.size === 1, "the round to end");
    expect(events).toEqual(["send m1", "request q1", "send m2", "barrier"]);
    expect(done).toEqual(["1", "3"]);
    expect(answers.get(iq)?.reply).toContain('type="result"');
    await sender.stop();
  });

  it("sends nothing while this process does not hold the link, and is not idle then", async () => {
    const { outbox } = memoryOutbox();
    const { link, events } = fakeLink();
    await outbox.add({ stanza: message("m1"), kind: "message" });
    const sender = createOutboxSender({
      outbox,
      on: () => () => {},
      link,
      holding: () => false,
      claimAnswer: (answer) => answer,
      log: silentLogger,
    });
    sender.wake();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(events).toEqual([]);
    expect(sender.idle).toBe(false);
    await sender.stop();
  });

  it("checks an owner's iq answer accepted elsewhere, and drops one that answers nothing", async () => {
    const { outbox, done } = memoryOutbox();
    const { link, written } = fakeLink();
    const answer = (id: string) =>
      serializeStanza(xml("iq", { id, type: "result", from: "bot@rest", to: "alice@x/r" }));
    await outbox.add({ stanza: answer("ok"), kind: "iq", claim: "bot:bot" });
    await outbox.add({ stanza: answer("stray"), kind: "iq", claim: "bot:bot" });
    const sender = createOutboxSender({
      outbox,
      on: () => () => {},
      link,
      holding: () => true,
      claimAnswer: (stanza) => {
        if (stanza.attrs.id === "stray") throw unprocessable("answers nothing");
        return stanza;
      },
      log: silentLogger,
    });
    sender.wake();
    await until(() => done.length === 2, "both rows to be done");
    expect(written).toEqual(["ok"]);
    await sender.stop();
  });
});
