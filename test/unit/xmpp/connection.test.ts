import xml, { type Element } from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/log.js";
import { createMetrics, type Metrics } from "../../../src/metrics.js";
import { StanzaError } from "../../../src/stanza/errors.js";
import { componentFromRule } from "../../../src/xmpp/component.js";
import { createConnection } from "../../../src/xmpp/connection.js";
import { connectionMetrics } from "../../../src/xmpp/connection-metrics.js";
import {
  type AttemptEvents,
  createSupervisor,
  type Transport,
} from "../../../src/xmpp/supervisor.js";

const DOMAIN = "rest.example.org";

/**
 * A connection over a transport that goes online when asked, with a write that records what
 * it is given (or fails as the test says): the parts the component and, later, an account's
 * session share.
 */
function harness(
  options: { name?: string; metrics?: Metrics; write?: (stanza: Element) => Promise<void> } = {},
) {
  let events: AttemptEvents | undefined;
  let socket = false;
  const transport = (given: AttemptEvents): Transport => {
    events = given;
    return {
      attempt: async () => {
        socket = true;
        given.reached();
      },
      drop: () => false,
      get idle() {
        return !socket;
      },
      close: async () => {
        socket = false;
      },
    };
  };
  const name = options.name ?? "component";
  const metrics = options.metrics ?? createMetrics({ processMetrics: false });
  const supervisor = createSupervisor({
    log: silentLogger,
    service: "xmpp://127.0.0.1:5347",
    domain: DOMAIN,
    initialBackoffMs: 60_000,
    transport,
  });
  const written: Element[] = [];
  const { connection, receive } = createConnection({
    name,
    log: silentLogger,
    supervisor,
    from: componentFromRule(DOMAIN),
    write:
      options.write ??
      (async (stanza) => {
        written.push(stanza);
      }),
    maxPendingIq: 10,
    metrics: connectionMetrics(metrics, name),
  });
  const online = async () => {
    connection.start();
    events?.online();
    await connection.waitOnline(1_000);
  };
  const drop = () => {
    socket = false;
    events?.disconnected(false);
  };
  return { connection, receive, written, metrics, online, drop };
}

const message = (attrs: Record<string, string> = {}) =>
  xml("message", { to: "alice@example.org", type: "chat", ...attrs }, xml("body", {}, "hi"));

const ping = (id: string) =>
  xml("iq", { type: "get", id, to: "example.org" }, xml("ping", { xmlns: "urn:xmpp:ping" }));

async function render(metrics: Metrics): Promise<string> {
  return (await metrics.render()).body;
}

describe("a connection", () => {
  it("refuses to send while it is not online, with when to retry (the first delay before a start)", async () => {
    const { connection, written } = harness();
    await expect(connection.send(message())).rejects.toMatchObject({
      status: 503,
      condition: "service-unavailable",
      text: "the XMPP server link is down; retry in 60s",
    });
    expect(written).toEqual([]);
  });

  it("sends from its default address, and refuses a from its rule does not allow", async () => {
    const { connection, written, online } = harness();
    await online();
    await connection.send(message());
    expect(written[0]?.attrs.from).toBe(DOMAIN);
    await connection.send(message({ from: `bot@${DOMAIN}/r` }));
    expect(written[1]?.attrs.from).toBe(`bot@${DOMAIN}/r`);
    await expect(connection.send(message({ from: "mallory@example.org" }))).rejects.toMatchObject({
      status: 403,
      condition: "forbidden",
      text: "refusing to send from 'mallory@example.org'",
    });
    expect(written).toHaveLength(2);
  });

  it("passes the write gate's refusal on and counts only what was written", async () => {
    const tooLarge = new StanzaError("modify", "policy-violation", { status: 413 });
    const { connection, metrics, online } = harness({
      write: async (stanza) => {
        if (stanza.attrs.id === "big") throw tooLarge;
      },
    });
    await online();
    await expect(connection.send(message({ id: "big" }))).rejects.toBe(tooLarge);
    await connection.send(message({ id: "small" }));
    await connection.send(xml("presence", {}));
    const body = await render(metrics);
    expect(body).toContain('xmpp_rest_stanzas_sent_total{connection="component",kind="message"} 1');
    expect(body).toContain(
      'xmpp_rest_stanzas_sent_total{connection="component",kind="presence"} 1',
    );
  });

  it("settles its own iqs and bounces from what it receives, and hands on the rest", async () => {
    const { connection, receive, online, metrics } = harness();
    await online();
    const seen: Element[] = [];
    connection.onStanza((stanza) => seen.push(stanza));
    const answer = connection.request(ping("p1"), 1_000);
    const watch = connection.bounces.watch("m1", "room@muc.example.org");
    receive(xml("iq", { type: "result", id: "p1", from: "example.org" }));
    receive(
      xml(
        "message",
        { type: "error", id: "m1", from: "room@muc.example.org" },
        xml(
          "error",
          { type: "auth" },
          xml("forbidden", { xmlns: "urn:ietf:params:xml:ns:xmpp-stanzas" }),
        ),
      ),
    );
    receive(message({ id: "other", from: "alice@example.org" }));
    expect((await answer).reply.attrs.id).toBe("p1");
    expect((await watch.refused).condition).toBe("forbidden");
    expect(seen.map((s) => s.attrs.id)).toEqual(["other"]);
    const body = await render(metrics);
    expect(body).toContain(
      'xmpp_rest_iq_outcomes_total{connection="component",outcome="result"} 1',
    );
    expect(body).toContain(
      'xmpp_rest_stanzas_received_total{connection="component",kind="message"} 2',
    );
    expect(body).toContain('xmpp_rest_iq_pending{connection="component"} 0');
  });

  it("keeps handing stanzas to the other handlers when one throws", async () => {
    const { connection, receive } = harness();
    const seen: string[] = [];
    connection.onStanza(() => {
      throw new Error("broken handler");
    });
    const off = connection.onStanza((stanza) => seen.push(stanza.attrs.id ?? ""));
    receive(message({ id: "a" }));
    off();
    receive(message({ id: "b" }));
    expect(seen).toEqual(["a"]);
  });

  it("fails its waiting iqs as soon as it leaves online", async () => {
    const { connection, online, drop, metrics } = harness();
    await online();
    const answer = connection.request(ping("p2"), 60_000);
    expect(connection.iqs.size).toBe(1);
    drop();
    await expect(answer).rejects.toMatchObject({ status: 503, condition: "service-unavailable" });
    expect(connection.iqs.size).toBe(0);
    const body = await render(metrics);
    expect(body).toContain(
      'xmpp_rest_iq_outcomes_total{connection="component",outcome="cancelled"} 1',
    );
    expect(body).toContain('xmpp_rest_link_state{connection="component",state="offline"} 1');
    expect(body).toContain('xmpp_rest_link_state{connection="component",state="online"} 0');
    await connection.stop();
  });

  it("shares one Metrics with another connection, each counted under its own name", async () => {
    const metrics = createMetrics({ processMetrics: false });
    const first = harness({ name: "component", metrics });
    const second = harness({ name: "account:alice@example.org", metrics });
    await first.online();
    await second.online();
    await first.connection.send(message());
    await second.connection.send(message());
    await second.connection.send(message());
    const body = await render(metrics);
    expect(body).toContain('xmpp_rest_stanzas_sent_total{connection="component",kind="message"} 1');
    expect(body).toContain(
      'xmpp_rest_stanzas_sent_total{connection="account:alice@example.org",kind="message"} 2',
    );
    expect(body).toContain('xmpp_rest_link_state{connection="component",state="online"} 1');
    expect(body).toContain(
      'xmpp_rest_link_state{connection="account:alice@example.org",state="online"} 1',
    );
  });
});
