import type { MiddlewareHandler } from "hono";
import { unavailable } from "../stanza/errors.js";
import type { AppEnv, HolderLocation } from "./env.js";

/** Marks a request one process passed to another: it is served where it lands, never passed on. */
export const FORWARDED_HEADER = "x-xmpp-rest-forwarded";

/** How long a request passed to the link holder may take: its longest wait, and some. */
export function forwardTimeout(settings: { readonly iqMaxTimeoutMs: number }): number {
  return settings.iqMaxTimeoutMs + 10_000;
}

/** Headers that belong to one connection, not to the request or answer passed on. */
const HOP_BY_HOP = [
  "host",
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "content-encoding",
  "upgrade",
];

/**
 * Requests only the link holder can serve (rooms: their occupants, entries and waits live
 * with the link) are passed to it from any other process, as they came (the token too: the
 * holder authenticates them again), and its answer is passed back as it is: every process
 * serves the whole API, and no load balancer needs to know which one holds the link.
 * Synapse's workers do the same for what needs its one writer.
 */
export function forwardToHolder(
  holder: HolderLocation,
  options: {
    readonly timeoutMs: number;
    /** Only the requests this says are the holder's (default: every one). */
    readonly when?: (request: Request) => boolean;
  },
): MiddlewareHandler<AppEnv> {
  const { timeoutMs, when } = options;
  return async function forwardToHolder(c, next) {
    if (holder.local() || c.req.header(FORWARDED_HEADER) !== undefined) return next();
    if (when && !when(c.req.raw)) return next();
    const base = await holder.url();
    if (!base) throw unavailable("no process holds the XMPP link right now; retry shortly", 1);
    const from = new URL(c.req.url);
    const headers = new Headers(c.req.raw.headers);
    for (const name of HOP_BY_HOP) headers.delete(name);
    headers.set(FORWARDED_HEADER, "1");
    const method = c.req.method;
    // The body is passed on as it arrives (a file may be large): never read whole here.
    const body = method === "GET" || method === "HEAD" ? null : c.req.raw.body;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    let answer: Response;
    try {
      const init: RequestInit & { duplex?: "half" } = {
        method,
        headers,
        redirect: "manual",
        signal: abort.signal,
        ...(body ? { body, duplex: "half" } : {}),
      };
      answer = await fetch(`${base}${from.pathname}${from.search}`, init);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw unavailable(`the process holding the XMPP link did not answer (${reason})`, 1);
    } finally {
      clearTimeout(timer);
    }
    const passed = new Headers(answer.headers);
    for (const name of HOP_BY_HOP) passed.delete(name);
    return new Response(answer.body, { status: answer.status, headers: passed });
  };
}

/**
 * /rest requests of an account's own: Basic (a user's login: its session lives with the link
 * holder, as every account's does with several processes), or a token this process does not
 * know (an account's: the accounts are loaded where their sessions are). The holder checks
 * the credentials again and answers 401 for what it does not know either.
 */
export function accountCredentials(tokens: {
  authenticate(token: string): unknown;
}): (request: Request) => boolean {
  return (request) => {
    const header = request.headers.get("authorization") ?? "";
    if (/^basic\s/i.test(header)) return true;
    const bearer = /^bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    return bearer !== undefined && tokens.authenticate(bearer) === undefined;
  };
}
