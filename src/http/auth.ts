import type { MiddlewareHandler } from "hono";
import { ADMIN, type Principal } from "../access/principal.js";
import { hashToken, TokenTable } from "../access/tokens.js";
import { forbidden, notAuthorized } from "../stanza/errors.js";
import { errorResponse } from "./errors.js";

const REALM = "xmpp-rest";
const ACCEPTED_CACHE_SIZE = 64;

/** Tells who a token belongs to; `onChange` lets callers drop what they remembered. */
export interface TokenResolver {
  authenticate(token: string): Principal | undefined;
  onChange?(listener: () => void): () => void;
}

/** Checks Basic credentials (README, "Accounts": users who log in themselves). */
export type BasicLogin = (jid: string, password: string, client: string) => Promise<Principal>;

export interface AuthOptions {
  /** Also accept `Authorization: Basic` (RFC 7617) for accounts, when the operator allows it. */
  readonly basic?: BasicLogin | undefined;
  /**
   * Also accept `?access_token=` (RFC 6750 §2.3) on GET requests: browsers cannot
   * set Authorization on EventSource or WebSocket. The query is never logged.
   */
  readonly queryToken?: boolean;
}

export type AuthVariables = { principal: Principal };

/** A resolver for a fixed list of admin tokens, in the same TokenTable bots' tokens live in. */
export function adminTokens(tokens: readonly string[]): TokenResolver {
  if (tokens.length === 0) throw new Error("bearerAuth needs at least one token");
  const table = new TokenTable<Principal>();
  table.replace(tokens.map((token) => ({ hash: hashToken(token), owner: ADMIN })));
  return { authenticate: (token) => table.find(token) };
}

/**
 * Bearer authentication (RFC 6750). The resolver compares SHA-256 digests with
 * timingSafeEqual against every known token, so neither the content nor the
 * length of a token leaks through response timing. Sets `c.var.principal`.
 *
 * Header values already accepted are remembered (bounded): hashing on every
 * request cost about 5% of the bridge's CPU per message. A cache hit only tells
 * a caller what the 2xx already told it, so it leaks nothing new; the cache is
 * dropped whenever the resolver's tokens change (a bot deleted or re-keyed).
 */
export function bearerAuth<E extends { Variables: AuthVariables } = { Variables: AuthVariables }>(
  source: readonly string[] | TokenResolver,
  options: AuthOptions = {},
): MiddlewareHandler<E> {
  const resolver = Array.isArray(source) ? adminTokens(source) : (source as TokenResolver);
  const accepted = new Map<string, Principal>();
  resolver.onChange?.(() => accepted.clear());

  return async function bearerAuthMiddleware(c, next) {
    let header = c.req.header("authorization");
    if (header === undefined && options.queryToken && c.req.method === "GET") {
      const token = c.req.query("access_token");
      if (token) header = `Bearer ${token}`;
    }
    if (options.basic && header !== undefined && /^Basic\s/i.test(header)) {
      c.set("principal", await basicPrincipal(options.basic, header, clientAddress(c.env)));
      await next();
      return;
    }
    const known = header === undefined ? undefined : accepted.get(header);
    if (known) {
      c.set("principal", known);
      await next();
      return;
    }
    const match = header === undefined ? null : /^Bearer[ \t]+(\S+)\s*$/i.exec(header);
    if (!header || !match?.[1]) {
      return errorResponse(c, notAuthorized("a Bearer token is required"), {
        "www-authenticate": options.basic
          ? `Bearer realm="${REALM}", Basic realm="${REALM}", charset="UTF-8"`
          : `Bearer realm="${REALM}"`,
      });
    }
    const principal = resolver.authenticate(match[1]);
    if (!principal) {
      return errorResponse(c, forbidden("token not accepted"));
    }
    if (accepted.size >= ACCEPTED_CACHE_SIZE) accepted.clear();
    accepted.set(header, principal);
    c.set("principal", principal);
    await next();
  };
}

/** The peer's address (node-server's incoming request), for the per-address login limit. */
function clientAddress(env: unknown): string {
  const incoming = (env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)
    ?.incoming;
  return incoming?.socket?.remoteAddress ?? "unknown";
}

/** RFC 7617 §2: base64(user-id ":" password), UTF-8; the user-id (a JID) holds no colon. */
async function basicPrincipal(
  login: BasicLogin,
  header: string,
  client: string,
): Promise<Principal> {
  const encoded = header.replace(/^Basic\s+/i, "").trim();
  const decoded = Buffer.from(encoded, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon <= 0) throw notAuthorized("Basic credentials must be base64(jid:password)");
  return login(decoded.slice(0, colon), decoded.slice(colon + 1), client);
}
