import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { StanzaError } from "../stanza/errors.js";
import { errorResponse } from "./errors.js";

const REALM = "xmpp-rest";

function digest(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}

/**
 * Bearer authentication (RFC 6750). Tokens are compared as SHA-256 digests with
 * timingSafeEqual, so neither the content nor the length of a token leaks
 * through response timing. Every configured token is checked on every request.
 */
export function bearerAuth(tokens: readonly string[]): MiddlewareHandler {
  if (tokens.length === 0) throw new Error("bearerAuth needs at least one token");
  const digests = tokens.map(digest);
  return async function bearerAuthMiddleware(c, next) {
    const header = c.req.header("authorization");
    const match = header === undefined ? null : /^Bearer[ \t]+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) {
      return errorResponse(
        c,
        new StanzaError("auth", "not-authorized", "a Bearer token is required", 401),
        { "www-authenticate": `Bearer realm="${REALM}"` },
      );
    }
    const offered = digest(match[1]);
    let accepted = false;
    for (const known of digests) accepted = timingSafeEqual(known, offered) || accepted;
    if (!accepted) {
      return errorResponse(c, new StanzaError("auth", "not-authorized", "token not accepted", 403));
    }
    await next();
  };
}
