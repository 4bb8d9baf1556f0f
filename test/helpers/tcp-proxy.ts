import type { AddressInfo } from "node:net";
import { connect, createServer, type Socket } from "node:net";

export interface TcpProxy {
  /** "127.0.0.1:port": where clients connect instead of the server. */
  readonly address: string;
  /** Connections made through it so far. */
  readonly connections: number;
  /**
   * Cuts every connection at once (both sides see it closed, as when a NAT forgets them) and
   * refuses new ones until resume().
   */
  cut(): void;
  resume(): void;
  close(): Promise<void>;
}

/** A TCP proxy on loopback in front of a real server, whose connections a test can cut. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let refusing = false;
  let connections = 0;
  const server = createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    connections += 1;
    const upstream = connect({ host: "127.0.0.1", port: targetPort });
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => {
        open.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    cut() {
      refusing = true;
      for (const socket of [...open]) socket.destroy();
    },
    resume() {
      refusing = false;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of [...open]) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
