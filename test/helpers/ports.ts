import { readFile } from "node:fs/promises";
import { createServer, Socket } from "node:net";

/** A loopback TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Holds every port open at once (so they are distinct and free), then closes them all. */
async function holdAll(ports: readonly number[]): Promise<number[] | undefined> {
  const servers = ports.map(() => createServer());
  try {
    return await Promise.all(
      servers.map(
        (server, i) =>
          new Promise<number>((resolve, reject) => {
            server.once("error", reject);
            server.listen(ports[i], "127.0.0.1", () => {
              const address = server.address();
              resolve(typeof address === "object" && address ? address.port : 0);
            });
          }),
      ),
    );
  } catch {
    return undefined;
  } finally {
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) =>
            server.listening ? server.close(() => resolve()) : resolve(),
          ),
      ),
    );
  }
}

/**
 * `count` distinct loopback TCP ports that were free a moment ago. All are held open until
 * every one is known: one at a time, the system may hand out a port it just gave back.
 */
export async function freePorts(count: number): Promise<number[]> {
  const ports = await holdAll(Array.from({ length: count }, () => 0));
  if (!ports) throw new Error(`could not reserve ${count} loopback ports`);
  return ports;
}

/** First port of the range the system takes listen(0) and client source ports from. */
async function ephemeralStart(): Promise<number> {
  const range = await readFile("/proc/sys/net/ipv4/ip_local_port_range", "utf8").catch(() => "");
  const start = Number(range.trim().split(/\s+/)[0]);
  return Number.isInteger(start) && start > 0 ? start : 49_152;
}

/**
 * `count` distinct free loopback ports for an XMPP server, which binds them only after
 * booting (ejabberd: a second or two) and may be held down by a test and restarted on them:
 * picked below the ephemeral range, so that no listen(0) and no outgoing connection's source
 * port can take one in the meantime. Falls back to freePorts() if that range is too small.
 */
export async function serverPorts(count: number): Promise<number[]> {
  const top = await ephemeralStart();
  const bottom = Math.max(10_000, top - 16_384);
  if (top - bottom < 1_000) return freePorts(count);
  for (let attempt = 0; attempt < 20; attempt++) {
    const picked = new Set<number>();
    while (picked.size < count) picked.add(bottom + Math.floor(Math.random() * (top - bottom)));
    const ports = await holdAll([...picked]);
    if (ports) return ports;
  }
  return freePorts(count);
}

function tryConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
    socket.connect(port, "127.0.0.1");
  });
}

/** Resolves once something accepts connections on the port; rejects after timeoutMs. */
export async function waitForPort(
  port: number,
  timeoutMs: number,
  isAlive: () => boolean = () => true,
) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`process exited before port ${port} opened`);
    if (await tryConnect(port)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nothing listening on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

/** The preferred port if nothing listens on it, else a free one. */
export async function preferPort(preferred: number): Promise<number> {
  return (await tryConnect(preferred)) ? freePort() : preferred;
}
