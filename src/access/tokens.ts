import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** Hex SHA-256 of a token: what the store keeps instead of the token. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** 256 random bits, URL-safe: long enough that a plain SHA-256 is a safe way to store it. */
export function generateToken(): string {
  return `xr_${randomBytes(32).toString("base64url")}`;
}

/** A token a caller may choose: printable ASCII without spaces, 16 to 512 characters. */
export function tokenProblem(token: string): string | undefined {
  if (token.length < 16) return "a token must be at least 16 characters long";
  if (token.length > 512) return "a token must be at most 512 characters long";
  if (!/^[\x21-\x7e]+$/.test(token)) {
    return "a token may only hold printable ASCII characters without spaces";
  }
  return undefined;
}

/**
 * Finds which owner a token belongs to. Offered tokens are compared as SHA-256
 * digests with timingSafeEqual against every known digest, so neither the
 * content nor the length of a token leaks through timing, and every call does
 * the same work whether it matches or not.
 */
export class TokenTable<Owner> {
  private entries: { digest: Buffer; owner: Owner }[] = [];

  replace(entries: readonly { hash: string; owner: Owner }[]): void {
    this.entries = entries.map(({ hash, owner }) => ({ digest: Buffer.from(hash, "hex"), owner }));
  }

  find(token: string): Owner | undefined {
    const offered = createHash("sha256").update(token).digest();
    let found: Owner | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, offered) && found === undefined) found = entry.owner;
    }
    return found;
  }
}
