import { createHash, randomBytes } from "node:crypto";

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
 * Finds which owner a token belongs to, by the SHA-256 digest of the offered token looked up
 * in a map. A lookup's timing can only tell something about the digest, never the token:
 * probing digests prefix by prefix would need preimages of chosen prefixes, which SHA-256
 * does not give. So one lookup costs the same with ten owners or ten thousand (a scan with
 * timingSafeEqual over every digest cost O(owners) per request, and rebuilding the whole
 * table on each account change O(accounts) per login).
 */
export class TokenTable<Owner> {
  private readonly byDigest = new Map<string, Owner>();
  /** The digests each key (a bot's or account's id) put in, so one key's set can be swapped alone. */
  private readonly byKey = new Map<string, readonly string[]>();

  /** Replaces every entry (the keyed sets too). */
  replace(entries: readonly { hash: string; owner: Owner }[]): void {
    this.byDigest.clear();
    this.byKey.clear();
    for (const { hash, owner } of entries) this.byDigest.set(hash.toLowerCase(), owner);
  }

  /** Replaces the digests `key` owns with `hashes` (none: forgets the key). */
  setFor(key: string, hashes: readonly string[], owner: Owner): void {
    for (const hash of this.byKey.get(key) ?? []) this.byDigest.delete(hash);
    const own = hashes.map((hash) => hash.toLowerCase());
    for (const hash of own) this.byDigest.set(hash, owner);
    if (own.length > 0) this.byKey.set(key, own);
    else this.byKey.delete(key);
  }

  find(token: string): Owner | undefined {
    return this.byDigest.get(hashToken(token));
  }
}
