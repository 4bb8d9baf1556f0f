import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import xml from "@xmpp/xml";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestBridge, type TestBridge } from "../helpers/bridge.js";
import { startXmppServer, type XmppServer } from "../helpers/server.js";
import {
  type ReceivedRequest,
  startWebhookServer,
  type WebhookServer,
} from "../helpers/webhook-server.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

const DOMAIN = "rest.localhost";
let server: XmppServer;
let alice: XmppUser;
let dir: string;
let bridge: TestBridge | undefined;
const hooks: WebhookServer[] = [];

beforeAll(async () => {
  server = await startXmppServer({ users: [{ username: "alice", password: "alice-pw" }] });
  alice = await connectUser({ c2sPort: server.c2sPort, username: "alice", password: "alice-pw" });
  dir = await mkdtemp(join(tmpdir(), "xmpp-rest-bot-hooks-"));
});

afterEach(async () => {
  await bridge?.stop();
  bridge = undefined;
  for (const hook of hooks.splice(0)) await hook.close();
});

afterAll(async () => {
  await alice?.stop();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const posts = (hook: WebhookServer) => hook.requests.filter((r) => r.method === "POST");
const header = (req: ReceivedRequest, name: string) => String(req.headers[name] ?? "");

/** A bridge with a global webhook and bot "hooked" with its own, on the given store file. */
async function start(
  botHook: WebhookServer,
  globalHook: WebhookServer,
  store: string,
  retry = "0.1,0.1",
) {
  const configPath = join(dir, "config.json");
  await writeFile(
    configPath,
    JSON.stringify({
      bots: {
        hooked: { tokens: ["hooked-bot-token-0123456789"], callbackUrl: `${botHook.url}/bot` },
      },
    }),
  );
  bridge = await startTestBridge(
    server,
    {
      XMPP_REST_CALLBACK_URL: `${globalHook.url}/global`,
      XMPP_REST_CALLBACK_RETRY: retry,
      XMPP_REST_STORE: join(dir, store),
    },
    { configPath },
  );
  return bridge;
}

async function hook(answer: () => { status: number }) {
  const created = await startWebhookServer((req) =>
    req.method === "POST" ? answer() : { status: 200 },
  );
  hooks.push(created);
  return created;
}

describe("a bot's webhook", () => {
  it("is durable: retried with one webhook-id, dead-lettered, redelivered to the bot's webhook only", async () => {
    let broken = true;
    const botHook = await hook(() => (broken ? { status: 500 } : { status: 204 }));
    const globalHook = await hook(() => ({ status: 204 }));
    const b = await start(botHook, globalHook, "retry.db");
    await alice.send(
      xml(
        "message",
        { to: `hooked@${DOMAIN}`, type: "chat", id: "bh-1" },
        xml("body", {}, "hi bot"),
      ),
    );
    const error = await alice.waitFor((s) => s.attrs.id === "bh-1" && s.attrs.type === "error");
    expect(error.attrs.from).toBe(`hooked@${DOMAIN}`);
    expect(posts(botHook)).toHaveLength(3);
    expect(new Set(posts(botHook).map((r) => header(r, "webhook-id"))).size).toBe(1);

    const listed = (await (await b.get("/v1/deliveries?state=failed")).json()) as {
      deliveries: { id: string }[];
    };
    expect(listed.deliveries).toHaveLength(1);
    broken = false;
    const retried = await b.post("", {}, `/v1/deliveries/${listed.deliveries[0]?.id}/retry`);
    expect(retried.status).toBe(202);
    await botHook.waitFor((r) => r.method === "POST" && posts(botHook).indexOf(r) === 3);
    expect(posts(globalHook)).toHaveLength(0);
  });

  it("delivers what waited to the bot's webhook after a restart on the same store, none to the global one", async () => {
    let up = false;
    const botHook = await hook(() => (up ? { status: 204 } : { status: 503 }));
    const globalHook = await hook(() => ({ status: 204 }));
    // The next attempt is due 2 s after the first: after the restart.
    await start(botHook, globalHook, "restart.db", "2");
    await alice.send(
      xml(
        "message",
        { to: `hooked@${DOMAIN}`, type: "chat", id: "bh-2" },
        xml("body", {}, "wait for me"),
      ),
    );
    await botHook.waitFor((r) => r.method === "POST");
    await bridge?.stop();
    bridge = undefined;
    up = true;
    const attemptsBefore = posts(botHook).length;
    await start(botHook, globalHook, "restart.db", "2");
    const delivered = await botHook.waitFor(
      (r) => r.method === "POST" && posts(botHook).indexOf(r) >= attemptsBefore,
    );
    expect(delivered.body).toContain("wait for me");
    expect(delivered.url).toBe("/bot");
    expect(posts(globalHook)).toHaveLength(0);
  });
});
