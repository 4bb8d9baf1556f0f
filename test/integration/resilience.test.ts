import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBridge, type TestBridge } from "../helpers/bridge.js";
import { startXmppServer, type XmppServer } from "../helpers/server.js";
import { connectSilentComponent } from "../helpers/silent-component.js";
import { connectUser } from "../helpers/xmpp-user.js";

let server: XmppServer;
let bridge: TestBridge;
const users = [{ username: "bob", password: "bob-pw" }];

beforeAll(async () => {
  server = await startXmppServer({ users });
  bridge = await startTestBridge(server, { XMPP_REST_MAX_PENDING_IQ: "3" });
});

afterAll(async () => {
  await bridge?.stop();
  await server?.stop();
});

const ping = (id: string, to = "localhost") =>
  `<iq type="get" to="${to}" id="${id}"><ping xmlns="urn:xmpp:ping"/></iq>`;

describe("pending iq bound", () => {
  it("answers 503 at once beyond XMPP_REST_MAX_PENDING_IQ and never evicts a waiting request", async () => {
    const silent = await connectSilentComponent(server);
    try {
      const waiting = [1, 2, 3].map((i) =>
        bridge.post(ping(`wait-${i}`, "x@silent.localhost"), { "prosody-rest-timeout": "2" }),
      );
      await silent.waitFor((s) => s.name === "iq", 3);
      const started = performance.now();
      const refused = await bridge.post(ping("one-too-many"), { accept: "application/json" });
      expect(refused.status).toBe(503);
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(await refused.json()).toMatchObject({ error: { condition: "resource-constraint" } });
      const results = await Promise.all(waiting);
      expect(results.map((r) => r.status)).toEqual([504, 504, 504]);
    } finally {
      await silent.stop();
    }
  });

  it("ignores a forged reply from another address with the waiting id", async () => {
    const silent = await connectSilentComponent(server);
    const bob = await connectUser({
      c2sPort: server.c2sPort,
      username: "bob",
      password: "bob-pw",
    });
    try {
      const pending = bridge.post(ping("forge-me", "x@silent.localhost"), {
        "prosody-rest-timeout": "1",
      });
      await silent.waitFor((s) => s.attrs.id === "forge-me");
      const { default: xml } = await import("@xmpp/xml");
      await bob.send(xml("iq", { type: "result", id: "forge-me", to: "rest.localhost" }));
      expect((await pending).status).toBe(504);
    } finally {
      await bob.stop();
      await silent.stop();
    }
  });
});

describe("losing the XMPP server", () => {
  it("fails pending iqs with 503, answers 503 quickly while down, and recovers without a restart", async () => {
    const silent = await connectSilentComponent(server);
    const pending = bridge.post(ping("in-flight", "x@silent.localhost"), {
      "prosody-rest-timeout": "60",
      accept: "application/json",
    });
    await silent.waitFor((s) => s.attrs.id === "in-flight");

    const killedAt = performance.now();
    await server.kill();
    const failed = await pending;
    expect(failed.status).toBe(503);
    expect(performance.now() - killedAt).toBeLessThan(5_000);

    const started = performance.now();
    const whileDown = await bridge.post('<message to="bob@localhost"><body>x</body></message>');
    expect(performance.now() - started).toBeLessThan(100);
    expect(whileDown.status).toBe(503);
    expect(Number(whileDown.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const health = await fetch(`${bridge.url}/health`);
    expect(health.status).toBe(503);
    expect(((await health.json()) as { xmpp: string }).xmpp).not.toBe("online");

    await server.restart();
    await bridge.bridge.link.waitOnline(15_000);
    const bob = await connectUser({
      c2sPort: server.c2sPort,
      username: "bob",
      password: "bob-pw",
    });
    try {
      const res = await bridge.post(
        '<message to="bob@localhost"><body>after restart</body></message>',
      );
      expect(res.status).toBe(202);
      await bob.waitFor((s) => s.getChildText("body") === "after restart");
    } finally {
      await bob.stop();
      await silent.stop();
    }
  });
});

describe("a stream going down under load", () => {
  it("answers requests caught mid-teardown 503, never 500", async () => {
    const statuses: number[] = [];
    const posts = Array.from({ length: 300 }, (_, i) =>
      bridge
        .post(`<message to="bob@localhost"><body>teardown ${i}</body></message>`)
        .then(async (res) => {
          statuses.push(res.status);
          await res.arrayBuffer();
        }),
    );
    // Kill the server once the first answers are back, so the rest meet a dying socket.
    await Promise.race(posts);
    await server.kill();
    await Promise.all(posts);
    expect(statuses).toHaveLength(300);
    expect(statuses.filter((s) => s !== 202 && s !== 503)).toEqual([]);
    await server.restart();
    await bridge.bridge.link.waitOnline(15_000);
  });
});
