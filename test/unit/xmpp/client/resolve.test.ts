import { afterEach, describe, expect, it } from "vitest";
import {
  createSrvResolver,
  parseServer,
  resolveEndpoints,
} from "../../../../src/xmpp/client/resolve.js";
import { type DnsServer, startDnsServer } from "../../../helpers/dns-server.js";

let dns: DnsServer | undefined;
afterEach(async () => {
  await dns?.stop();
  dns = undefined;
});

describe("finding an XMPP server by DNS SRV (RFC 6120 §3.2, XEP-0368)", () => {
  it("merges STARTTLS and direct TLS records by priority, then weight", async () => {
    dns = await startDnsServer({
      "_xmpp-client._tcp.example.org": [
        { priority: 10, weight: 5, port: 5222, target: "b.example.org" },
        { priority: 5, weight: 0, port: 5222, target: "a.example.org" },
      ],
      "_xmpps-client._tcp.example.org": [
        { priority: 5, weight: 10, port: 5223, target: "tls.example.org" },
      ],
    });
    const endpoints = await resolveEndpoints("example.org", createSrvResolver([dns.address]));
    expect(endpoints).toEqual([
      { host: "tls.example.org", port: 5223, directTls: true },
      { host: "a.example.org", port: 5222, directTls: false },
      { host: "b.example.org", port: 5222, directTls: false },
    ]);
    expect(dns.asked).toEqual(
      expect.arrayContaining(["_xmpp-client._tcp.example.org", "_xmpps-client._tcp.example.org"]),
    );
  });

  it("falls back to the domain on 5222 when it publishes no record", async () => {
    dns = await startDnsServer({});
    const endpoints = await resolveEndpoints("example.net", createSrvResolver([dns.address]));
    expect(endpoints).toEqual([{ host: "example.net", port: 5222, directTls: false }]);
  });

  it('reads a lone "." target as "no client service here" (RFC 2782)', async () => {
    dns = await startDnsServer({
      "_xmpp-client._tcp.example.com": [{ priority: 0, weight: 0, port: 0, target: "." }],
    });
    expect(await resolveEndpoints("example.com", createSrvResolver([dns.address]))).toEqual([]);
  });
});

describe("an operator's server setting", () => {
  it("reads host:port, a host alone, and IPv6 literals", () => {
    expect(parseServer("xmpp.internal:5223")).toEqual({
      host: "xmpp.internal",
      port: 5223,
      directTls: false,
    });
    expect(parseServer("xmpp.internal")?.port).toBe(5222);
    expect(parseServer("[::1]:5222")?.host).toBe("::1");
    expect(parseServer("a b:1")).toBeUndefined();
    expect(parseServer("host:70000")).toBeUndefined();
  });
});
