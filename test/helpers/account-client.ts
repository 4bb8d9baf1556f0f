import xml, { type Element } from "@xmpp/xml";
import { silentLogger } from "../../src/log.js";
import { noMetrics } from "../../src/metrics.js";
import { type ClientConnection, createClientConnection } from "../../src/xmpp/client/index.js";
import { connectionMetrics } from "../../src/xmpp/connection-metrics.js";
import type { AccountHost } from "./server.js";
import { stanzaWaiter } from "./xmpp-user.js";

export interface AccountClient {
  readonly jid: string;
  readonly connection: ClientConnection;
  readonly received: Element[];
  send(stanza: Element): Promise<void>;
  waitFor(match: (stanza: Element) => boolean, timeoutMs?: number, what?: string): Promise<Element>;
  stop(): Promise<void>;
}

/**
 * Another client of an account at the TLS host (secure.localhost), e.g. the user's phone
 * next to the bridge's session: it verifies the harness's CA, which the test users'
 * @xmpp/client cannot be told about. Carbons on, presence sent.
 */
export async function connectAccountClient(
  host: AccountHost,
  username: string,
  password: string,
  resource: string,
): Promise<AccountClient> {
  const jid = `${username}@${host.host}`;
  const connection = createClientConnection({
    jid,
    resource,
    credentials: () => ({ username, password }),
    server: { host: "127.0.0.1", port: host.port, directTls: false },
    resolver: { resolveSrv: async () => [] },
    ca: host.caPem,
    log: silentLogger,
    metrics: connectionMetrics(noMetrics, "test"),
  });
  const received: Element[] = [];
  const waiters = new Set<(stanza: Element) => void>();
  connection.onStanza((stanza) => {
    received.push(stanza);
    for (const waiter of [...waiters]) waiter(stanza);
  });
  connection.start();
  await connection.waitOnline(10_000);
  await connection.request(
    xml(
      "iq",
      { type: "set", to: jid, id: "carbons" },
      xml("enable", { xmlns: "urn:xmpp:carbons:2" }),
    ),
    5_000,
  );
  await connection.send(xml("presence"));
  return {
    jid: connection.boundJid ?? jid,
    connection,
    received,
    send: (stanza) => connection.send(stanza),
    waitFor: stanzaWaiter(jid, received, waiters),
    stop: () => connection.stop(),
  };
}
