/**
 * The link against a real TCP server that takes every connection and closes it at once (a
 * misconfigured or overloaded server in a loop): attempts must space out exponentially. Only
 * lower bounds on the gaps are asserted (a timer never fires early), so load cannot fail it.
 */

import type { AddressInfo } from "node:net";
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/log.js";
import { createLink, type Link } from "../../../src/xmpp/link.js";

let server: Server | undefined;
let link: Link | undefined;
const sockets = new Set<Socket>();

afterEach(async () => {
  await link?.stop();
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  link = undefined;
});

describe("the component link against a server that accepts and drops", () => {
  it("spaces its attempts out exponentially instead of hammering the server", async () => {
    const times: number[] = [];
    let enough: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      enough = resolve;
    });
    server = createServer((socket) => {
      sockets.add(socket);
      times.push(performance.now());
      socket.destroy();
      if (times.length === 6) enough();
    });
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    link = createLink({
      service: `xmpp://127.0.0.1:${port}`,
      domain: "rest.localhost",
      secret: "s",
      log: silentLogger,
      initialBackoffMs: 20,
      maxBackoffMs: 10_000,
    });
    link.start();
    await done;
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? t));
    // 20, 40, 80, 160, 320 ms at least (a little slack for timer rounding).
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(20 * 2 ** i - 2);
    });
    expect(link.state).not.toBe("online");
  });
});
