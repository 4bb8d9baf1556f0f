import { type AddressInfo, createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/log.js";
import { createMetrics } from "../../../src/metrics.js";
import { componentFromRule, createComponentConnection } from "../../../src/xmpp/component.js";
import type { Connection } from "../../../src/xmpp/connection.js";

const connections: Connection[] = [];

afterEach(async () => {
  for (const connection of connections.splice(0)) await connection.stop();
});

/** A loopback port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves at the connection's second attempt (the first reconnect), or fails after 5 s. */
function secondAttempt(connection: Connection): Promise<void> {
  let attempts = 0;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${connection.name}: no reconnect`)), 5_000);
    const off = connection.onStateChange((state) => {
      if (state !== "connecting") return;
      attempts += 1;
      if (attempts < 2) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

describe("the component's from rule (XEP-0114 §3)", () => {
  it("fills in the domain and allows the domain and any address at it, nothing else", () => {
    const rule = componentFromRule("rest.example.org");
    expect(rule.defaultFrom).toBe("rest.example.org");
    expect(rule.describe).toBe("rest.example.org or an address at it");
    expect(rule.allows(undefined)).toBe(true);
    expect(rule.allows("rest.example.org")).toBe(true);
    expect(rule.allows("bot@rest.example.org/r")).toBe(true);
    expect(rule.allows("example.org")).toBe(false);
    expect(rule.allows("bot@other.example.org")).toBe(false);
  });
});

describe("component connections", () => {
  it("run two in one process on one Metrics, told apart by their connection label", async () => {
    const metrics = createMetrics({ processMetrics: false });
    const port = await closedPort();
    const make = (name: string) => {
      const connection = createComponentConnection({
        name,
        service: `xmpp://127.0.0.1:${port}`,
        domain: "rest.localhost",
        secret: "s",
        log: silentLogger,
        initialBackoffMs: 10,
        unreachableBackoffMs: 20,
        metrics,
      });
      connections.push(connection);
      return connection;
    };
    const first = make("component");
    const second = make("component-2");
    const retried = [secondAttempt(first), secondAttempt(second)];
    first.start();
    second.start();
    await Promise.all(retried);
    await Promise.all(connections.map((connection) => connection.stop()));
    const body = (await metrics.render()).body;
    for (const name of ["component", "component-2"]) {
      expect(body).toContain(`xmpp_rest_link_state{connection="${name}",state="stopped"} 1`);
      expect(body).toContain(`xmpp_rest_link_state{connection="${name}",state="online"} 0`);
      expect(body).toContain(`xmpp_rest_iq_pending{connection="${name}"} 0`);
      expect(body).toMatch(
        new RegExp(`xmpp_rest_link_reconnects_total\\{connection="${name}"\\} [1-9]`),
      );
    }
  });
});
