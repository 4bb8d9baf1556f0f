import { client } from "@xmpp/client";
import xml, { type Element } from "@xmpp/xml";
import type { Cleanup } from "./procs.js";

export const PASSWORD = "bench-password";

export interface BenchUser {
  readonly jid: string;
  send(stanza: Element): Promise<void>;
  stop(): Promise<void>;
}

/** A real XMPP client logged in as username@localhost; every stanza goes to onStanza. */
export async function connectBenchUser(options: {
  readonly c2sPort: number;
  readonly username: string;
  readonly cleanup: Cleanup;
  readonly onStanza?: (stanza: Element) => void;
}): Promise<BenchUser> {
  const xmpp = client({
    service: `xmpp://127.0.0.1:${options.c2sPort}`,
    domain: "localhost",
    username: options.username,
    password: PASSWORD,
    resource: "bench",
  });
  xmpp.reconnect.stop();
  xmpp.on("error", () => {});
  const onStanza = options.onStanza;
  if (onStanza) xmpp.on("stanza", (stanza: Element) => onStanza(stanza));
  const stop = options.cleanup.add(`xmpp user ${options.username}`, async () => {
    await Promise.race([xmpp.stop().catch(() => {}), new Promise((r) => setTimeout(r, 2_000))]);
  });
  await xmpp.start();
  // Available presence: Prosody routes bare-JID messages only to available resources.
  await xmpp.send(xml("presence"));
  return {
    jid: xmpp.jid?.toString() ?? `${options.username}@localhost/bench`,
    send: (stanza) => xmpp.send(stanza),
    stop,
  };
}

/** Connects several users at once. */
export function connectUsers(
  names: readonly string[],
  base: Omit<Parameters<typeof connectBenchUser>[0], "username">,
): Promise<BenchUser[]> {
  return Promise.all(names.map((username) => connectBenchUser({ ...base, username })));
}
