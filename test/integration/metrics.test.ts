import xml from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBridge, type TestBridge, TOKEN } from "../helpers/bridge.js";
import { startXmppServer, type XmppServer } from "../helpers/server.js";
import { type Answer, startWebhookServer, type WebhookServer } from "../helpers/webhook-server.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

const METRICS_TOKEN = "scrape-token";
/** The label of the bridge's component link in the per-connection series. */
const LINK = 'connection="component"';

let server: XmppServer;
let hook: WebhookServer;
let bridge: TestBridge;
let alice: XmppUser;

beforeAll(async () => {
  server = await startXmppServer({ users: [{ username: "alice", password: "alice-pw" }] });
  // The bot answers every message with a reply, so alice seeing it means the call is counted.
  // down@ is a bot whose webhook fails.
  hook = await startWebhookServer((req): Answer => {
    if (req.method !== "POST") return { status: 200, headers: { accept: "application/xmpp+xml" } };
    if (req.body.includes("down@")) return { status: 503, body: "not today" };
    return {
      status: 200,
      headers: { "content-type": "application/xmpp+xml" },
      body: "<message><body>got it</body></message>",
    };
  });
  bridge = await startTestBridge(server, {
    XMPP_REST_METRICS_TOKEN: METRICS_TOKEN,
    XMPP_REST_CALLBACK_URL: `${hook.url}/hook`,
    // One attempt: a failed delivery becomes a dead letter at once.
    XMPP_REST_CALLBACK_RETRY: "none",
  });
  alice = await connectUser({ c2sPort: server.c2sPort, username: "alice", password: "alice-pw" });
});

afterAll(async () => {
  await alice?.stop();
  await bridge?.stop();
  await hook?.close();
  await server?.stop();
});

/** Scrapes /metrics and returns one sample's value (0 when the series does not exist yet). */
async function scrape(): Promise<(series: string) => number> {
  const res = await bridge.get("/metrics", { authorization: `Bearer ${METRICS_TOKEN}` });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain");
  const text = await res.text();
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line === "") continue;
    const at = line.lastIndexOf(" ");
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return (series) => samples.get(series) ?? 0;
}

describe("GET /metrics", () => {
  it("requires XMPP_REST_METRICS_TOKEN when one is set, and refuses the API tokens", async () => {
    expect((await fetch(`${bridge.url}/metrics`)).status).toBe(401);
    expect((await bridge.get("/metrics")).status).toBe(403);
  });

  it("shows the counters moved after a send, an iq and a webhook delivery", async () => {
    const was = await scrape();

    const sent = await bridge.post(
      `<message to="${alice.jid}" type="chat" id="m-1"><body>hi</body></message>`,
    );
    expect(sent.status).toBe(202);
    await alice.waitFor((s) => s.attrs.id === "m-1", 10_000, "the message");

    const ping = await bridge.post(
      '<iq type="get" to="localhost" id="ping-1"><ping xmlns="urn:xmpp:ping"/></iq>',
    );
    expect(ping.status).toBe(200);

    await alice.send(
      xml("message", { to: "bot@rest.localhost", type: "chat", id: "in-1" }, xml("body", {}, "?")),
    );
    await alice.waitFor((s) => s.getChildText("body") === "got it", 10_000, "the bot's reply");

    const now = await scrape();
    const moved = (series: string) => now(series) - was(series);
    expect(moved(`xmpp_rest_stanzas_sent_total{${LINK},kind="message"}`)).toBeGreaterThanOrEqual(2);
    expect(moved(`xmpp_rest_stanzas_sent_total{${LINK},kind="iq"}`)).toBe(1);
    expect(moved(`xmpp_rest_stanzas_received_total{${LINK},kind="message"}`)).toBe(1);
    expect(moved(`xmpp_rest_stanzas_received_total{${LINK},kind="iq"}`)).toBe(1);
    expect(moved(`xmpp_rest_iq_outcomes_total{${LINK},outcome="result"}`)).toBe(1);
    expect(now(`xmpp_rest_iq_pending{${LINK}}`)).toBe(0);
    expect(
      moved(
        'xmpp_rest_http_request_duration_seconds_count{method="POST",route="/rest",status="202"}',
      ),
    ).toBe(1);
    expect(
      moved(
        'xmpp_rest_http_request_duration_seconds_count{method="POST",route="/rest",status="200"}',
      ),
    ).toBe(1);
    expect(
      moved('xmpp_rest_webhook_delivery_duration_seconds_count{owner="global",outcome="2xx"}'),
    ).toBe(1);
    expect(now(`xmpp_rest_link_state{${LINK},state="online"}`)).toBe(1);
    expect(now(`xmpp_rest_link_state{${LINK},state="offline"}`)).toBe(0);
    expect(now("process_resident_memory_bytes")).toBeGreaterThan(0);
  });

  it("labels requests by route pattern, not by the JID in the path", async () => {
    const res = await bridge.post(
      "hello",
      { "content-type": "text/plain" },
      `/rest/message/chat/${alice.jid}`,
    );
    expect(res.status).toBe(202);
    const now = await scrape();
    expect(
      now(
        'xmpp_rest_http_request_duration_seconds_count{method="POST",route="/rest/:kind/:type/:to{.+}",status="202"}',
      ),
    ).toBeGreaterThanOrEqual(1);
  });

  it("shows the delivery backlog and a dead letter from the store", async () => {
    const was = await scrape();
    expect(was("xmpp_rest_webhook_pending_deliveries")).toBe(0);
    await alice.send(
      xml("message", { to: "down@rest.localhost", type: "chat", id: "dl-1" }, xml("body", {}, "?")),
    );
    // Given up after its one attempt: the sender gets the error reply.
    await alice.waitFor(
      (s) => s.attrs.id === "dl-1" && s.attrs.type === "error",
      10_000,
      "the error reply",
    );
    const now = await scrape();
    expect(now("xmpp_rest_webhook_dead_letters") - was("xmpp_rest_webhook_dead_letters")).toBe(1);
    expect(now("xmpp_rest_webhook_pending_deliveries")).toBe(0);
    expect(now("xmpp_rest_webhook_oldest_pending_age_seconds")).toBe(0);
    expect(
      now('xmpp_rest_webhook_delivery_duration_seconds_count{owner="global",outcome="5xx"}') -
        was('xmpp_rest_webhook_delivery_duration_seconds_count{owner="global",outcome="5xx"}'),
    ).toBe(1);
  });

  it("counts a bot's webhook calls under the bot's owner id", async () => {
    const created = await fetch(`${bridge.url}/v1/bots/hooked`, {
      method: "PUT",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ callbackUrl: `${hook.url}/bot` }),
    });
    expect(created.status).toBe(201);
    const was = await scrape();
    await alice.send(
      xml(
        "message",
        { to: "hooked@rest.localhost", type: "chat", id: "bot-1" },
        xml("body", {}, "?"),
      ),
    );
    // The bot's webhook answers; its reply reaching alice means the call has been counted.
    await alice.waitFor(
      (s) => s.attrs.from?.startsWith("hooked@") === true && s.getChildText("body") === "got it",
      10_000,
      "the bot's webhook reply",
    );
    const now = await scrape();
    const series =
      'xmpp_rest_webhook_delivery_duration_seconds_count{owner="bot:hooked",outcome="2xx"}';
    expect(now(series) - was(series)).toBe(1);
    expect(
      now('xmpp_rest_webhook_delivery_duration_seconds_count{owner="global",outcome="2xx"}'),
    ).toBe(was('xmpp_rest_webhook_delivery_duration_seconds_count{owner="global",outcome="2xx"}'));
  });
});
