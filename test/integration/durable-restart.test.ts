import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import xml from "@xmpp/xml";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Run, runCli } from "../helpers/cli.js";
import { freePort } from "../helpers/ports.js";
import { startXmppServer, type XmppServer } from "../helpers/server.js";
import {
  type Answer,
  type ReceivedRequest,
  startWebhookServer,
  type WebhookServer,
} from "../helpers/webhook-server.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

const USERS = ["gail", "hugo"];
let prosody: XmppServer;
const users: XmppUser[] = [];
let dir: string;
let hook: WebhookServer | undefined;
const runs: Run[] = [];

beforeAll(async () => {
  prosody = await startXmppServer({
    users: USERS.map((username) => ({ username, password: `${username}-pw` })),
  });
  for (const username of USERS) {
    users.push(
      await connectUser({ c2sPort: prosody.c2sPort, username, password: `${username}-pw` }),
    );
  }
});

afterEach(async () => {
  for (const run of runs.splice(0)) {
    run.child.kill("SIGKILL");
    await run.exited;
  }
  await hook?.close();
  hook = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

afterAll(async () => {
  for (const user of users) await user.stop();
  await prosody?.stop();
});

const posts = (server: WebhookServer) => server.requests.filter((r) => r.method === "POST");
const bodyOf = (req: ReceivedRequest) => /<body>([^<]*)<\/body>/.exec(req.body)?.[1] ?? "";
const okBodies = (server: WebhookServer) =>
  posts(server)
    .filter((r) => r.answeredStatus !== undefined && r.answeredStatus < 300)
    .map(bodyOf);

async function until<T>(check: () => Promise<T | undefined>, what: string, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function bridgeEnv(webhook: WebhookServer) {
  dir = mkdtempSync(join(tmpdir(), "xmpp-rest-restart-"));
  return {
    XMPP_REST_DOMAIN: prosody.componentDomain,
    XMPP_REST_SECRET: prosody.componentSecret,
    XMPP_REST_SERVICE: prosody.service,
    XMPP_REST_TOKENS: "restart-token",
    XMPP_REST_HTTP_PORT: String(await freePort()),
    XMPP_REST_CALLBACK_URL: `${webhook.url}/hook`,
    XMPP_REST_CALLBACK_RETRY: Array(50).fill("0.3").join(","),
    XMPP_REST_STORE: join(dir, "store.db"),
  };
}

function start(env: Record<string, string>): Run {
  const run = runCli([], env, dir);
  runs.push(run);
  return run;
}

async function pending(env: Record<string, string>): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${env.XMPP_REST_HTTP_PORT}/health`);
  const health = (await res.json()) as { deliveries: { pending: number } };
  return health.deliveries.pending;
}

describe("durable delivery across restarts", () => {
  it("delivers everything after a kill -9, in order per conversation, with the same webhook-ids", async () => {
    let down = true;
    hook = await startWebhookServer(() => (down ? { status: 503 } : { status: 204 }));
    const env = await bridgeEnv(hook);
    const first = start(env);
    await first.waitForLog(/xmpp link online/);
    const PER_USER = 50;
    await Promise.all(
      users.map(async (user, u) => {
        for (let n = 0; n < PER_USER; n++) {
          await user.send(
            xml(
              "message",
              { to: `bot@${prosody.componentDomain}`, type: "chat", id: `k${u}-${n}` },
              xml("body", {}, `${u}:${n}`),
            ),
          );
        }
      }),
    );
    await until(
      async () => ((await pending(env)) === USERS.length * PER_USER ? true : undefined),
      "the backlog stored",
    );
    // Both conversations' heads have been tried (and refused) at least once.
    await until(
      async () =>
        new Set(posts(hook as WebhookServer).map((r) => bodyOf(r).split(":")[0])).size === 2
          ? true
          : undefined,
      "both heads attempted",
    );
    first.child.kill("SIGKILL");
    expect(await first.exited).toBeNull();
    const idsBefore = new Map(posts(hook).map((r) => [bodyOf(r), String(r.headers["webhook-id"])]));

    down = false;
    const second = start(env);
    await until(
      async () =>
        okBodies(hook as WebhookServer).length >= USERS.length * PER_USER ? true : undefined,
      "every message delivered after the restart",
      30_000,
    );
    const ok = okBodies(hook);
    for (let u = 0; u < USERS.length; u++) {
      const mine = ok.filter((b) => b.startsWith(`${u}:`)).map((b) => Number(b.split(":")[1]));
      expect(mine).toEqual(Array.from({ length: PER_USER }, (_, n) => n));
    }
    for (const req of posts(hook)) {
      const before = idsBefore.get(bodyOf(req));
      if (before) expect(String(req.headers["webhook-id"])).toBe(before);
    }
    expect(await pending(env)).toBe(0);
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  }, 60_000);

  it("on SIGTERM lets the attempt in flight finish and keeps the rest for the next start", async () => {
    const release: (() => void)[] = [];
    let holding = true;
    hook = await startWebhookServer((req) => {
      if (req.method !== "POST" || !holding) return { status: 204 };
      return new Promise<Answer>((resolve) => release.push(() => resolve({ status: 204 })));
    });
    const env = await bridgeEnv(hook);
    const first = start(env);
    await first.waitForLog(/xmpp link online/);
    const [user] = users as [XmppUser];
    for (let n = 0; n < 5; n++) {
      await user.send(
        xml(
          "message",
          { to: `bot@${prosody.componentDomain}`, type: "chat", id: `t${n}` },
          xml("body", {}, `t:${n}`),
        ),
      );
    }
    await hook.waitFor((r) => bodyOf(r) === "t:0");
    await until(async () => ((await pending(env)) === 5 ? true : undefined), "five stored");
    first.child.kill("SIGTERM");
    await first.waitForLog(/shutting down/);
    holding = false;
    release.shift()?.();
    expect(await first.exited).toBe(0);
    // Nothing after the one in flight was started.
    expect(posts(hook).map(bodyOf)).toEqual(["t:0"]);

    const second = start(env);
    await until(
      async () => (okBodies(hook as WebhookServer).length >= 5 ? true : undefined),
      "the rest delivered",
    );
    expect(okBodies(hook)).toEqual(["t:0", "t:1", "t:2", "t:3", "t:4"]);
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  }, 60_000);
});
