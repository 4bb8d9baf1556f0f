import { startTestBridge } from "../helpers/bridge.js";
import { startXmppServer } from "../helpers/server.js";
import { startWebhookServer } from "../helpers/webhook-server.js";
import { connectUser } from "../helpers/xmpp-user.js";
import type { FuzzEnv } from "./campaign.js";

/** An XMPP server (startXmppServer(): Prosody or ejabberd), a user, a webhook and a bridge wired as the fuzz campaign expects; stop() undoes it. */
export async function startFuzzEnv(): Promise<FuzzEnv & { stop(): Promise<void> }> {
  const server = await startXmppServer({
    users: [
      { username: "bob", password: "bob-pw" },
      { username: "alice", password: "alice-pw" },
    ],
  });
  const stops: (() => Promise<void>)[] = [() => server.stop()];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
  };
  try {
    const webhook = await startWebhookServer();
    stops.push(() => webhook.close());
    const bridge = await startTestBridge(server, {
      XMPP_REST_CALLBACK_URL: `${webhook.url}/hook`,
      // Every fuzz target answers iqs at once; the bound keeps a surprise from stalling the run.
      XMPP_REST_IQ_TIMEOUT: "2",
      XMPP_REST_IQ_MAX_TIMEOUT: "2",
      XMPP_REST_CALLBACK_TIMEOUT: "5",
    });
    stops.push(() => bridge.stop());
    const user = await connectUser({
      c2sPort: server.c2sPort,
      username: "bob",
      password: "bob-pw",
      resource: "fuzz",
    });
    stops.push(() => user.stop());
    return { server, webhook, bridge, user, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
