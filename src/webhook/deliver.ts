import type { Agent, Dispatcher } from "undici";
import type { Outcome } from "./reply.js";

export interface AgentOptions {
  readonly timeoutMs: number;
  /** Sockets kept per webhook origin: as many as requests may be in flight. */
  readonly connections: number;
}

/** What a webhook call needs of an HTTP client: undici's Agent (a MockAgent in unit tests). */
export interface WebhookClient {
  request(options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData>;
}

/** The pooled client, with the shutdown the bridge needs. */
export interface WebhookAgent extends WebhookClient {
  /** Waits for calls in flight, then closes the sockets. */
  close(): Promise<void>;
  /** Aborts calls in flight. */
  destroy(): Promise<void>;
}

/**
 * The one pooled, keep-alive client every webhook call goes through. Each phase
 * has its own timeout so a webhook that accepts the connection and then stalls
 * cannot hold a socket (and a conversation) forever.
 *
 * undici (about 1 MiB of JavaScript) is loaded at the first call, not at start-up:
 * a bridge without a callback URL, or one whose bots pull their events, never
 * needs it, and its idle memory stays lower (bench: idle).
 */
export function createWebhookAgent({ timeoutMs, connections }: AgentOptions): WebhookAgent {
  let agent: Promise<Agent> | undefined;
  const loaded = () => {
    agent ??= import("undici").then(
      ({ Agent }) =>
        new Agent({
          connections,
          connectTimeout: timeoutMs,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
          keepAliveTimeout: 4_000,
        }),
    );
    return agent;
  };
  // Nothing to close when no call was ever made (or undici could not be loaded: each call
  // then ended as an unreachable outcome).
  const made = async () => (agent ? agent.catch(() => undefined) : undefined);
  return {
    request: async (options) => (await loaded()).request(options),
    close: async () => {
      await (await made())?.close();
    },
    destroy: async () => {
      await (await made())?.destroy();
    },
  };
}

export interface WebhookCall {
  readonly method: "POST" | "OPTIONS";
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

export interface CallLimits {
  /** Deadline for the whole call: connect, headers and body. */
  readonly timeoutMs: number;
  /** Largest answer body read; beyond it the answer is dropped unread. */
  readonly sizeLimit: number;
}

const TIMEOUT_CODES = new Set([
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_ABORTED",
]);

function describe(err: unknown): { timedOut: boolean; reason: string } {
  const e = err as { name?: string; code?: string; message?: string; cause?: unknown };
  const code = e?.code;
  const timedOut =
    e?.name === "TimeoutError" ||
    e?.name === "AbortError" ||
    (code !== undefined && TIMEOUT_CODES.has(code));
  const reason = [code, e?.message ?? String(err)].filter(Boolean).join(" ");
  return { timedOut, reason };
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Makes one webhook call and reports what became of it. Never throws: every
 * failure is an Outcome, so no webhook can crash the bridge.
 */
export async function callWebhook(
  client: WebhookClient,
  call: WebhookCall,
  limits: CallLimits,
): Promise<Outcome & { readonly headers?: Record<string, string | string[] | undefined> }> {
  // One timer per call, cleared as soon as the call ends: AbortSignal.timeout() keeps its
  // timer (and the signal) alive until the deadline, tens of thousands of them under load.
  const deadline = new AbortController();
  const { signal } = deadline;
  const timer = setTimeout(
    () => deadline.abort(new DOMException("webhook call timed out", "TimeoutError")),
    limits.timeoutMs,
  );
  try {
    const url = new URL(call.url);
    const response = await client.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: call.method,
      headers: call.headers,
      ...(call.body !== undefined ? { body: call.body } : {}),
      signal,
    });
    const { statusCode: status, headers, body } = response;
    const declared = Number(headerText(headers["content-length"]));
    if (Number.isFinite(declared) && declared > limits.sizeLimit) {
      body.destroy();
      return { kind: "too-large", status, limit: limits.sizeLimit, headers };
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += (chunk as Buffer).length;
      if (size > limits.sizeLimit) {
        body.destroy();
        return { kind: "too-large", status, limit: limits.sizeLimit, headers };
      }
      chunks.push(chunk as Buffer);
    }
    return {
      kind: "answered",
      status,
      contentType: headerText(headers["content-type"]),
      body: Buffer.concat(chunks).toString("utf8"),
      headers,
    };
  } catch (err) {
    const { timedOut, reason } = describe(err);
    if (timedOut || signal.aborted) {
      return { kind: "timeout", seconds: limits.timeoutMs / 1000, reason };
    }
    return { kind: "unreachable", reason };
  } finally {
    clearTimeout(timer);
  }
}
