/**
 * Where to connect for a domain (RFC 6120 §3.2.1): the DNS SRV records `_xmpp-client._tcp`
 * (STARTTLS) and, from XEP-0368 §3, `_xmpps-client._tcp` (TLS from the first byte), merged
 * and ordered by priority, then weight (RFC 2782); without any record, the domain itself on
 * port 5222 (RFC 6120 §3.2.2). A single record with target "." says the service is not
 * offered there (RFC 2782).
 */
import type { SrvRecord } from "node:dns";
import { Resolver } from "node:dns/promises";

export interface Endpoint {
  readonly host: string;
  readonly port: number;
  /** TLS from the first byte (XEP-0368), rather than STARTTLS. */
  readonly directTls: boolean;
}

/** What the lookup needs of a resolver (node's, pointed at the system's or given servers). */
export type SrvResolver = Pick<Resolver, "resolveSrv">;

export const DEFAULT_CLIENT_PORT = 5222;

/** A resolver asking these DNS servers ("127.0.0.1:5353"), or the system's when none are given. */
export function createSrvResolver(servers?: readonly string[], timeoutMs = 3_000): SrvResolver {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 2 });
  if (servers && servers.length > 0) resolver.setServers([...servers]);
  return resolver;
}

async function lookup(resolver: SrvResolver, name: string): Promise<SrvRecord[]> {
  try {
    return await resolver.resolveSrv(name);
  } catch (err) {
    const code = (err as { code?: string }).code;
    // No such name or no such record: the domain simply does not publish one.
    if (code === "ENOTFOUND" || code === "ENODATA" || code === "ESERVFAIL") return [];
    throw err;
  }
}

/** The endpoints to try for `domain`, in order. Throws only when the resolver itself fails. */
export async function resolveEndpoints(domain: string, resolver: SrvResolver): Promise<Endpoint[]> {
  const [starttls, direct] = await Promise.all([
    lookup(resolver, `_xmpp-client._tcp.${domain}`),
    lookup(resolver, `_xmpps-client._tcp.${domain}`),
  ]);
  const records = [
    ...starttls.map((record) => ({ record, directTls: false })),
    ...direct.map((record) => ({ record, directTls: true })),
  ].filter(({ record }) => record.name !== "." && record.name !== "");
  if (records.length === 0) {
    // Both sets were "." only: the domain says it offers no client service.
    if (starttls.length + direct.length > 0) return [];
    return [{ host: domain, port: DEFAULT_CLIENT_PORT, directTls: false }];
  }
  // RFC 2782: lower priority first; among equals, heavier weight first (a stable order is
  // what a bridge that reconnects often wants, rather than the random pick).
  records.sort(
    (a, b) =>
      a.record.priority - b.record.priority ||
      b.record.weight - a.record.weight ||
      Number(b.directTls) - Number(a.directTls),
  );
  return records.map(({ record, directTls }) => ({
    host: record.name.replace(/\.$/, ""),
    port: record.port,
    directTls,
  }));
}

/** `host:port` (or `[v6]:port`, or a host alone: port 5222) as an endpoint with STARTTLS. */
export function parseServer(server: string): Endpoint | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:/[\]]+))(?::(\d{1,5}))?$/.exec(server.trim());
  if (!match) return undefined;
  const port = match[3] === undefined ? DEFAULT_CLIENT_PORT : Number(match[3]);
  if (port < 1 || port > 65_535) return undefined;
  return { host: match[1] ?? match[2] ?? "", port, directTls: false };
}
