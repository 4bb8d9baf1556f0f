import xml, { type Element } from "@xmpp/xml";
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
const USERS = ["dana", "eve", "finn"];
let prosody: XmppServer;
const users: XmppUser[] = [];
let bridge: TestBridge | undefined;
let hook: WebhookServer | undefined;

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
  await bridge?.stop();
  bridge = undefined;
  await hook?.close();
  hook = undefined;
});

afterAll(async () => {
  for (const user of users) await user.stop();
  await prosody?.stop();
});

const user = (i: number) => users[i] as XmppUser;
const posts = (server: WebhookServer) => server.requests.filter((r) => r.method === "POST");
const bodyOf = (req: ReceivedRequest) => /<body>([^<]*)<\/body>/.exec(req.body)?.[1] ?? "";
const header = (req: ReceivedRequest, name: string) => String(req.headers[name] ?? "");

function conditionOf(stanza: Element): [string | undefined, string | undefined] {
  const error = stanza.getChild("error");
  const condition = error
    ?.getChildElements()
    .find((c) => c.attrs.xmlns === "urn:ietf:params:xml:ns:xmpp-stanzas" && c.name !== "text");
  return [error?.attrs.type, condition?.name];
}

function message(from: XmppUser, id: string, body: string, extra: Element[] = []) {
  return from.send(
    xml("message", { to: `bot@${DOMAIN}`, type: "chat", id }, xml("body", {}, body), ...extra),
  );
}

/** Polls until check() returns a value (waits on the bridge's state, not on time). */
async function until<T>(check: () => Promise<T | undefined>, what: string, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("durable delivery", () => {
  it("keeps every message through a 20 s webhook outage and delivers each user's in order", async () => {
    let down = true;
    hook = await startWebhookServer(() => (down ? { status: 503 } : { status: 204 }));
    bridge = await startTestBridge(prosody, {
      XMPP_REST_CALLBACK_URL: `${hook.url}/hook`,
      XMPP_REST_CALLBACK_RETRY: Array(20).fill("2").join(","),
    });
    const outageEnds = new Promise<void>((resolve) =>
      setTimeout(() => {
        down = false;
        resolve();
      }, 20_000),
    );
    const PER_USER = 100;
    await Promise.all(
      USERS.map(async (_, u) => {
        for (let n = 0; n < PER_USER; n++) await message(user(u), `o${u}-${n}`, `${u}:${n}`);
      }),
    );
    // Stored while the webhook is down: the backlog shows them.
    await until(async () => {
      const health = (await (await bridge?.get("/health"))?.json()) as {
        deliveries: { pending: number };
      };
      return health.deliveries.pending === 3 * PER_USER ? true : undefined;
    }, "all 300 messages stored");
    await outageEnds;
    await until(
      async () => (okBodies(hook as WebhookServer).length >= 3 * PER_USER ? true : undefined),
      "all 300 delivered",
      30_000,
    );
    expect(posts(hook).length).toBeGreaterThan(3 * PER_USER);
    const ok = okBodies(hook);
    for (let u = 0; u < USERS.length; u++) {
      const mine = ok.filter((b) => b.startsWith(`${u}:`)).map((b) => Number(b.split(":")[1]));
      expect(mine).toEqual(Array.from({ length: PER_USER }, (_, n) => n));
    }
    // Every attempt of one message carries its webhook-id; attempts count up from 1.
    const byBody = new Map<string, ReceivedRequest[]>();
    for (const req of posts(hook))
      byBody.set(bodyOf(req), [...(byBody.get(bodyOf(req)) ?? []), req]);
    let retried = 0;
    for (const attempts of byBody.values()) {
      expect(new Set(attempts.map((r) => header(r, "webhook-id"))).size).toBe(1);
      expect(attempts.map((r) => header(r, "webhook-attempt"))).toEqual(
        attempts.map((_, i) => String(i + 1)),
      );
      if (attempts.length > 1) retried += 1;
    }
    expect(retried).toBeGreaterThanOrEqual(USERS.length);
    expect(
      new Set([...byBody.values()].map((a) => header(a[0] as ReceivedRequest, "webhook-id"))).size,
    ).toBe(3 * PER_USER);
  }, 90_000);

  it("waits at least the Retry-After of a 429", async () => {
    const times: number[] = [];
    hook = await startWebhookServer((req) => {
      if (req.method !== "POST") return { status: 200 };
      times.push(Date.now());
      return times.length === 1
        ? { status: 429, headers: { "retry-after": "2" } }
        : { status: 204 };
    });
    bridge = await startTestBridge(prosody, {
      XMPP_REST_CALLBACK_URL: `${hook.url}/hook`,
      XMPP_REST_CALLBACK_RETRY: "0.1,0.1",
    });
    await message(user(0), "ra-1", "retry after");
    const second = await hook.waitFor((r) => header(r, "webhook-attempt") === "2");
    const first = posts(hook)[0] as ReceivedRequest;
    expect(header(first, "webhook-attempt")).toBe("1");
    expect(second.receivedAt - first.receivedAt).toBeGreaterThanOrEqual(2_000);
  });

  it("does not retry a 404, and the sender gets the error", async () => {
    hook = await startWebhookServer((req) =>
      bodyOf(req) === "not here" ? { status: 404 } : { status: 204 },
    );
    bridge = await startTestBridge(prosody, {
      XMPP_REST_CALLBACK_URL: `${hook.url}/hook`,
      XMPP_REST_CALLBACK_RETRY: "0.1,0.1,0.1",
    });
    await message(user(0), "nf-1", "not here");
    const error = await user(0).waitFor((s) => s.attrs.id === "nf-1" && s.attrs.type === "error");
    expect(conditionOf(error)).toEqual(["cancel", "item-not-found"]);
    // The next message of the conversation goes through: the 404 was final.
    await message(user(0), "nf-2", "after");
    await hook.waitFor((r) => bodyOf(r) === "after");
    expect(posts(hook).filter((r) => bodyOf(r) === "not here")).toHaveLength(1);
  });

  it("stops retrying when the webhook answers with webhook-no-retry", async () => {
    hook = await startWebhookServer(() => ({ status: 503, headers: { "webhook-no-retry": "1" } }));
    bridge = await startTestBridge(prosody, {
      XMPP_REST_CALLBACK_URL: `${hook.url}/hook`,
      XMPP_REST_CALLBACK_RETRY: "0.1,0.1,0.1",
    });
    await message(user(1), "ab-1", "abort");
    const error = await user(1).waitFor((s) => s.attrs.id === "ab-1" && s.attrs.type === "error");
    expect(conditionOf(error)).toEqual(["cancel", "service-unavailable"]);
    const failed = (await (await bridge.get("/v1/deliveries?state=failed")).json()) as {
      deliveries: { attempts: number }[];
    };
    expect(failed.deliveries.map((d) => d.attempts)).toEqual([1]);
    expect(posts(hook)).toHaveLength(1);
  });

  it("dead-letters after the last attempt, lists it, and redelivers it once the webhook is fixed", async () => {
    let broken = true;
    hook = await startWebhookServer(() => (broken ? { status: 500 } : { status: 204 }));
    bridge = await startTestBridge(prosody, {
      XMPP_REST_CALLBACK_URL: `${hook.url}/hook`,
      XMPP_REST_CALLBACK_RETRY: "0.1,0.1",
    });
    const receipt = xml("request", { xmlns: "urn:xmpp:receipts" });
    await message(user(2), "dl-1", "dead letter", [receipt]);
    const error = await user(2).waitFor((s) => s.attrs.id === "dl-1" && s.attrs.type === "error");
    expect(conditionOf(error)).toEqual(["wait", "internal-server-error"]);
    expect(posts(hook)).toHaveLength(3);
    // XEP-0184: no receipt for a message the bot never took.
    expect(user(2).received.some((s) => s.getChild("received", "urn:xmpp:receipts"))).toBe(false);

    const health = (await (await bridge.get("/health")).json()) as {
      deliveries: { pending: number; failed: number };
    };
    expect(health.deliveries).toMatchObject({ pending: 0, failed: 1 });
    const listed = await bridge.get("/v1/deliveries?state=failed");
    expect(listed.status).toBe(200);
    const page = (await listed.json()) as {
      deliveries: { id: string; webhookId: string; attempts: number; lastError: string }[];
      next: string | null;
    };
    expect(page.next).toBeNull();
    expect(page.deliveries).toHaveLength(1);
    const [dead] = page.deliveries;
    expect(dead).toMatchObject({ attempts: 3, lastError: "HTTP 500", from: user(2).jid });
    expect(dead?.webhookId).toBe(header(posts(hook)[0] as ReceivedRequest, "webhook-id"));

    broken = false;
    const retried = await bridge.post(
      "",
      { "content-type": "application/json" },
      `/v1/deliveries/${dead?.id}/retry`,
    );
    expect(retried.status).toBe(202);
    const again = await hook.waitFor(
      (r) => r.method === "POST" && posts(hook as WebhookServer).indexOf(r) === 3,
    );
    expect(header(again, "webhook-id")).toBe(dead?.webhookId);
    expect(header(again, "webhook-attempt")).toBe("1");
    const got = await user(2).waitFor(
      (s) => s.getChild("received", "urn:xmpp:receipts") !== undefined,
    );
    expect(got.getChild("received", "urn:xmpp:receipts")?.attrs.id).toBe("dl-1");
    const after = (await (await bridge.get("/v1/deliveries?state=failed")).json()) as {
      deliveries: unknown[];
    };
    expect(after.deliveries).toEqual([]);
    // Delivered: a second retry is a conflict; an unknown id is 404.
    expect((await bridge.post("", {}, `/v1/deliveries/${dead?.id}/retry`)).status).toBe(409);
    expect((await bridge.post("", {}, "/v1/deliveries/999999/retry")).status).toBe(404);
    expect((await bridge.post("", {}, "/v1/deliveries/abc/retry")).status).toBe(400);
    expect((await bridge.get("/v1/deliveries?state=delivered")).status).toBe(400);
    expect((await fetch(`${bridge.url}/v1/deliveries?state=failed`)).status).toBe(401);
  });

  it("refuses new stanzas with wait/resource-constraint when the store is full, and keeps what it has", async () => {
    let down = true;
    hook = await startWebhookServer(() => (down ? { status: 503 } : { status: 204 }));
    // A real full disk, in small: SQLite refuses to grow the file past 48 pages.
    bridge = await startTestBridge(
      prosody,
      {
        XMPP_REST_CALLBACK_URL: `${hook.url}/hook`,
        XMPP_REST_CALLBACK_RETRY: Array(100).fill("0.5").join(","),
      },
      // 48 pages of 4 KiB.
      { store: { sizeLimitBytes: 48 * 4096 } },
    );
    const big = "x".repeat(2_000);
    const store = bridge.bridge.store;
    let refused: Element | undefined;
    let stored = 0;
    for (let sent = 0; !refused && sent < 400; sent++) {
      const id = `full-${sent}`;
      await message(user(0), id, `${sent} ${big}`);
      // Each message is either stored (the backlog grows) or refused (an error comes back).
      const outcome = await until(async () => {
        const error = user(0).received.find((s) => s.attrs.id === id && s.attrs.type === "error");
        if (error) return error;
        const pending = (await store.backlog()).pending;
        return pending > stored ? pending : undefined;
      }, `message ${id} stored or refused`);
      if (typeof outcome === "number") stored = outcome;
      else refused = outcome;
    }
    expect(refused).toBeDefined();
    expect(conditionOf(refused as Element)).toEqual(["wait", "resource-constraint"]);
    expect(bridge.bridge.link.state).toBe("online");
    expect(stored).toBeGreaterThan(0);
    expect((await store.backlog()).pending).toBe(stored);
    down = false;
    await until(
      async () => ((await bridge?.bridge.store.backlog())?.pending === 0 ? true : undefined),
      "the stored messages delivered",
    );
    const okCount = new Set(okBodies(hook).map((b) => b.split(" ")[0])).size;
    expect(okCount).toBe(stored);
  });
});

/** Bodies of the requests the webhook answered 2xx, in arrival order. */
function okBodies(server: WebhookServer): string[] {
  return posts(server)
    .filter((r) => r.answeredStatus !== undefined && r.answeredStatus < 300)
    .map(bodyOf);
}
