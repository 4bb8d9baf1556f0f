import { type Run, runCli } from "./cli.js";
import { freePort } from "./ports.js";
import type { XmppServer } from "./server.js";

export const CLUSTER_TOKEN = "cluster-token";

export interface Health {
  readonly xmpp: string;
  readonly role?: "holder" | "standby";
  readonly epoch?: string | null;
  readonly database?: "up" | "down";
}

/** One bridge process of several on one PostgreSQL database, run as users run it. */
export interface Node {
  readonly run: Run;
  readonly url: string;
  readonly env: Record<string, string>;
  health(): Promise<Health | undefined>;
  post(body: string, headers?: Record<string, string>, path?: string): Promise<Response>;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  put(path: string, json: unknown): Promise<Response>;
  /** Resolves once this process reports the role (GET /health), or throws after timeoutMs. */
  waitForRole(role: "holder" | "standby", timeoutMs?: number): Promise<Health>;
  /** Kills it (SIGKILL: no handover) or stops it (SIGTERM), and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The environment every process of a test's cluster shares. */
export function clusterEnv(
  server: Pick<XmppServer, "service" | "componentDomain" | "componentSecret">,
  store: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    XMPP_REST_SERVICE: server.service,
    XMPP_REST_DOMAIN: server.componentDomain,
    XMPP_REST_SECRET: server.componentSecret,
    XMPP_REST_TOKENS: CLUSTER_TOKEN,
    XMPP_REST_STORE: store,
    XMPP_REST_LOG_LEVEL: process.env.XMPP_REST_TEST_LOG ? "debug" : "info",
    ...extra,
  };
}

/** Starts one process of the cluster on a free port; resolves once its API listens. */
export async function startNode(env: Record<string, string>, cwd: string): Promise<Node> {
  const port = await freePort();
  const own = { ...env, XMPP_REST_HTTP_PORT: String(port) };
  const run = runCli([], own, cwd);
  if (process.env.XMPP_REST_TEST_LOG) {
    run.child.stderr?.on("data", (d: Buffer) => process.stderr.write(`[${port}] ${d}`));
  }
  await run.waitForLog(/http api listening/, 30_000);
  const url = `http://127.0.0.1:${port}`;
  const auth = { authorization: `Bearer ${CLUSTER_TOKEN}` };
  const node: Node = {
    run,
    url,
    env: own,
    async health() {
      try {
        return (await (await fetch(`${url}/health`)).json()) as Health;
      } catch {
        return undefined;
      }
    },
    post: (body, headers = {}, path = "/rest") =>
      fetch(`${url}${path}`, {
        method: "POST",
        body,
        headers: { ...auth, "content-type": "application/xmpp+xml", ...headers },
      }),
    get: (path, headers = {}) => fetch(`${url}${path}`, { headers: { ...auth, ...headers } }),
    put: (path, json) =>
      fetch(`${url}${path}`, {
        method: "PUT",
        body: JSON.stringify(json),
        headers: { ...auth, "content-type": "application/json" },
      }),
    async waitForRole(role, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const health = await node.health();
        if (health?.role === role && (role === "standby" || health.xmpp === "online")) {
          return health;
        }
        if (Date.now() > deadline) {
          throw new Error(`${url} is not ${role} after ${timeoutMs} ms: ${JSON.stringify(health)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async kill(signal = "SIGKILL") {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill(signal);
      return run.exited;
    },
  };
  return node;
}

/** Polls `check` until it gives a value (not undefined), or throws after timeoutMs. */
export async function until<T>(
  check: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve()
      .then(check)
      .catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
