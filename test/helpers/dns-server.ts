import { createSocket, type Socket } from "node:dgram";

export interface SrvAnswer {
  readonly priority: number;
  readonly weight: number;
  readonly port: number;
  readonly target: string;
}

export interface DnsServer {
  /** "127.0.0.1:port", for Resolver.setServers(). */
  readonly address: string;
  /** Names asked so far. */
  readonly asked: string[];
  stop(): Promise<void>;
}

function encodeName(name: string): Buffer {
  if (name === "." || name === "") return Buffer.from([0]);
  const parts = name.replace(/\.$/, "").split(".");
  return Buffer.concat([
    ...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, "ascii")])),
    Buffer.from([0]),
  ]);
}

function readName(message: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let i = offset;
  for (let length = message[i] ?? 0; length > 0; length = message[i] ?? 0) {
    labels.push(message.subarray(i + 1, i + 1 + length).toString("ascii"));
    i += 1 + length;
  }
  return { name: labels.join("."), end: i + 1 };
}

/**
 * A real DNS server on loopback UDP answering SRV questions from a table (RFC 1035 §4,
 * RFC 2782): the resolver under test asks it over the wire, as it would ask any server.
 * Names not in the table get NXDOMAIN.
 */
export async function startDnsServer(
  records: Readonly<Record<string, readonly SrvAnswer[]>>,
): Promise<DnsServer> {
  const socket: Socket = createSocket("udp4");
  const asked: string[] = [];
  socket.on("message", (query, peer) => {
    const { name, end } = readName(query, 12);
    asked.push(name);
    const question = query.subarray(12, end + 4);
    const answers = records[name.toLowerCase()];
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2);
    // QR, opcode 0, AA, RD copied; RA; rcode 3 (NXDOMAIN) without records.
    header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100) | 0x0080 | (answers ? 0 : 3), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers?.length ?? 0, 6);
    const body = (answers ?? []).map((a) => {
      const target = encodeName(a.target);
      const rdata = Buffer.alloc(6);
      rdata.writeUInt16BE(a.priority, 0);
      rdata.writeUInt16BE(a.weight, 2);
      rdata.writeUInt16BE(a.port, 4);
      const fixed = Buffer.alloc(10);
      fixed.writeUInt16BE(33, 0); // SRV
      fixed.writeUInt16BE(1, 2); // IN
      fixed.writeUInt32BE(60, 4);
      fixed.writeUInt16BE(6 + target.length, 8);
      return Buffer.concat([Buffer.from([0xc0, 12]), fixed, rdata, target]);
    });
    socket.send(Buffer.concat([header, question, ...body]), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const { port } = socket.address();
  return {
    address: `127.0.0.1:${port}`,
    asked,
    stop: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
