import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Bridge, type BridgeOptions, startBridge } from "../../src/bridge.js";
import { loadConfig } from "../../src/config.js";
import { createLogger, type Logger, silentLogger } from "../../src/log.js";
import type { XmppServer } from "./server.js";

export const TOKEN = "test-token";

export interface TestBridge {
  readonly bridge: Bridge;
  readonly url: string;
  /** POST /rest (or another path) with the test token unless headers say otherwise. */
  post(body: string, headers?: Record<string, string>, path?: string): Promise<Response>;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  stop(): Promise<void>;
}

/** Reconnect fast, so tests that restart the server do not wait; `{}` keeps the link's defaults. */
const FAST_BACKOFF: Pick<BridgeOptions, "initialBackoffMs" | "maxBackoffMs"> = {
  initialBackoffMs: 50,
  maxBackoffMs: 500,
};

/**
 * An in-process bridge on a free loopback port, connected to the given server. Its
 * store is a fresh SQLite file in a temp dir (removed on stop) unless env names one.
 */
export async function startTestBridge(
  server: Pick<XmppServer, "service" | "componentDomain" | "componentSecret">,
  env: Record<string, string> = {},
  options: {
    log?: Logger;
    /** Reconnect policy; `{}` keeps the link's own defaults. */
    backoff?: Pick<BridgeOptions, "initialBackoffMs" | "maxBackoffMs">;
    configPath?: string;
  } & Pick<BridgeOptions, "store" | "streamLimits"> = {},
): Promise<TestBridge> {
  const { configPath } = options;
  const dir = env.XMPP_REST_STORE ? undefined : mkdtempSync(join(tmpdir(), "xmpp-rest-store-"));
  const config = loadConfig({
    ...(configPath ? { configPath } : {}),
    env: {
      XMPP_REST_SERVICE: server.service,
      XMPP_REST_DOMAIN: server.componentDomain,
      XMPP_REST_SECRET: server.componentSecret,
      XMPP_REST_TOKENS: `${TOKEN},second-token`,
      XMPP_REST_HTTP_PORT: "0",
      ...(dir ? { XMPP_REST_STORE: join(dir, "store.db") } : {}),
      ...env,
    },
  });
  const log =
    options.log ?? (process.env.XMPP_REST_TEST_LOG ? createLogger("debug") : silentLogger);
  const bridge = await startBridge(config, log, {
    drainTimeoutMs: 2_000,
    ...(options.backoff ?? FAST_BACKOFF),
    ...(options.store ? { store: options.store } : {}),
    ...(options.streamLimits ? { streamLimits: options.streamLimits } : {}),
  });
  await bridge.link.waitOnline(10_000);
  const url = `http://127.0.0.1:${bridge.port}`;
  const auth = { authorization: `Bearer ${TOKEN}` };
  return {
    bridge,
    url,
    post: (body, headers = {}, path = "/rest") =>
      fetch(`${url}${path}`, {
        method: "POST",
        body,
        headers: { ...auth, "content-type": "application/xmpp+xml", ...headers },
      }),
    get: (path, headers = {}) => fetch(`${url}${path}`, { headers: { ...auth, ...headers } }),
    stop: async () => {
      await bridge.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
