import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { StanzaError } from "../stanza/errors.js";
import { errorResponse } from "./errors.js";

const REALM = "xmpp-rest";
const ACCEPTED_CACHE_SIZE = 64;

function digest(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}

/**
 * Bearer authentication (RFC 6750). Unknown tokens are compared as SHA-256
 * digests with timingSafeEqual against every configured token, so neither the
 * content nor the length of a token leaks through response timing.
 *
 * Header values already accepted are remembered (bounded): hashing on every
 * request cost about 5% of the bridge's CPU per message. A cache hit only tells
 * a caller what the 2xx already told it, so it leaks nothing new.
 */
export function bearerAuth(tokens: readonly string[]): MiddlewareHandler {
  if (tokens.length === 0) throw new Error("bearerAuth needs at least one token");
  const digests = tokens.map(digest);
  const accepted = new Set<string>();

  const isAccepted = (token: string): boolean => {
    const offered = digest(token);
    let match = false;
    for (const known of digests) match = timingSafeEqual(known, offered) || match;
    return match;
  };

  return async function bearerAuthMiddleware(c, next) {
    const header = c.req.header("authorization");
    if (header !== undefined && accepted.has(header)) {
      await next();
      return;
    }
    const match = header === undefined ? null : /^Bearer[ \t]+(\S+)\s*$/i.exec(header);
    if (!header || !match?.[1]) {
      return errorResponse(
        c,
        new StanzaError("auth", "not-authorized", {
          text: "a Bearer token is required",
          status: 401,
        }),
        { "www-authenticate": `Bearer realm="${REALM}"` },
      );
    }
    if (!isAccepted(match[1])) {
      return errorResponse(
        c,
        new StanzaError("auth", "not-authorized", { text: "token not accepted", status: 403 }),
      );
    }
    if (accepted.size >= ACCEPTED_CACHE_SIZE) accepted.clear();
    accepted.add(header);
    await next();
  };
}
