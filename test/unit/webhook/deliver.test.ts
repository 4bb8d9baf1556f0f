import { afterEach, describe, expect, it } from "vitest";
import { callWebhook, createWebhookAgent } from "../../../src/webhook/deliver.js";
import { startWebhookServer, type WebhookServer } from "../../helpers/webhook-server.js";

let server: WebhookServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

const limits = { timeoutMs: 2_000, sizeLimit: 10_000 };

describe("the webhook agent", () => {
  it("closes and destroys at once when no call was ever made", async () => {
    const agent = createWebhookAgent({ timeoutMs: 1_000, connections: 2 });
    await expect(agent.close()).resolves.toBeUndefined();
    await expect(agent.destroy()).resolves.toBeUndefined();
  });

  it("makes its first call (loading the HTTP client then), with path and query, and closes", async () => {
    server = await startWebhookServer(() => ({
      status: 200,
      headers: { "content-type": "text/plain" },
      body: "pong",
    }));
    const agent = createWebhookAgent({ timeoutMs: 2_000, connections: 2 });
    const outcome = await callWebhook(
      agent,
      {
        method: "POST",
        url: `${server.url}/hook/message?to=bot%40rest`,
        headers: { "content-type": "text/plain" },
        body: "ping",
      },
      limits,
    );
    expect(outcome).toMatchObject({ kind: "answered", status: 200, body: "pong" });
    expect(server.requests.map((r) => [r.method, r.url, r.body])).toEqual([
      ["POST", "/hook/message?to=bot%40rest", "ping"],
    ]);
    await agent.close();
  });

  it("reports a webhook that does not answer in time as a timeout", async () => {
    let release: (() => void) | undefined;
    server = await startWebhookServer(
      () => new Promise((resolve) => (release = () => resolve({ status: 204 }))),
    );
    const agent = createWebhookAgent({ timeoutMs: 5_000, connections: 1 });
    const outcome = await callWebhook(
      agent,
      { method: "POST", url: `${server.url}/slow`, headers: {}, body: "x" },
      { timeoutMs: 200, sizeLimit: 10_000 },
    );
    expect(outcome).toMatchObject({ kind: "timeout", seconds: 0.2 });
    release?.();
    await agent.destroy();
  });
});
