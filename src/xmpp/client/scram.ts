/**
 * SCRAM (RFC 5802) with SHA-1 and SHA-256 (RFC 7677), the client side, without channel
 * binding (gs2 header "n,,"). The salted keys are the bridge's to keep (RFC 5802 §3: a client
 * may cache ClientKey and ServerKey and log in again with them, without the password); they
 * are useless on any other server or with any other salt.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";

export type ScramHash = "SHA-1" | "SHA-256";

export const SCRAM_MECHANISMS: Readonly<Record<ScramHash, string>> = {
  "SHA-256": "SCRAM-SHA-256",
  "SHA-1": "SCRAM-SHA-1",
};

const NODE_HASH: Readonly<Record<ScramHash, string>> = { "SHA-1": "sha1", "SHA-256": "sha256" };

/** What a later login on the same server (same salt and iteration count) needs instead of the password. */
export interface ScramKeys {
  readonly hash: ScramHash;
  /** Base64, as the server sent it. */
  readonly salt: string;
  readonly iterations: number;
  /** Base64 of HMAC(SaltedPassword, "Client Key"). */
  readonly clientKey: string;
  /** Base64 of HMAC(SaltedPassword, "Server Key"). */
  readonly serverKey: string;
}

/** RFC 5802 §5.1: "=" and "," in a name are written =3D and =2C. */
export function escapeUsername(name: string): string {
  return name.replaceAll("=", "=3D").replaceAll(",", "=2C");
}

const hmac = (hash: ScramHash, key: Buffer, data: string | Buffer) =>
  createHmac(NODE_HASH[hash], key).update(data).digest();

/** RFC 5802 §3: SaltedPassword = Hi(password, salt, i) (PBKDF2 with HMAC), then the two keys. */
export function deriveKeys(
  hash: ScramHash,
  password: string,
  salt: string,
  iterations: number,
): ScramKeys {
  const length = hash === "SHA-1" ? 20 : 32;
  const salted = pbkdf2Sync(
    password,
    Buffer.from(salt, "base64"),
    iterations,
    length,
    NODE_HASH[hash],
  );
  return {
    hash,
    salt,
    iterations,
    clientKey: hmac(hash, salted, "Client Key").toString("base64"),
    serverKey: hmac(hash, salted, "Server Key").toString("base64"),
  };
}

/** The attributes of a SCRAM message (RFC 5802 §5.1): `r=...,s=...,i=...`. */
export function parseAttributes(message: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const part of message.split(",")) {
    const eq = part.indexOf("=");
    if (eq === 1) attributes.set(part.slice(0, 1), part.slice(2));
  }
  return attributes;
}

export class ScramError extends Error {
  override readonly name = "ScramError";
}

/**
 * One SCRAM exchange: first() gives the client-first-message, final() answers the server's
 * challenge (with the password or the kept keys), verify() checks the server's signature
 * (RFC 5802 §3: the server proves it knows the keys too).
 */
export interface ScramExchange {
  first(): string;
  final(serverFirst: string): string;
  verify(serverFinal: string): void;
  /** The keys this login used (defined after final()): what to keep for the next one. */
  readonly keys: ScramKeys | undefined;
}

export function scramExchange(options: {
  readonly hash: ScramHash;
  readonly username: string;
  /** Undefined when logging in with kept keys only. */
  readonly password?: string | undefined;
  readonly kept?: ScramKeys | undefined;
  readonly nonce?: string;
}): ScramExchange {
  const { hash } = options;
  const clientNonce = options.nonce ?? randomBytes(18).toString("base64");
  const gs2Header = "n,,";
  const clientFirstBare = `n=${escapeUsername(options.username)},r=${clientNonce}`;
  let keys: ScramKeys | undefined;
  let authMessage = "";

  return {
    first: () => gs2Header + clientFirstBare,
    final(serverFirst) {
      const attributes = parseAttributes(serverFirst);
      const nonce = attributes.get("r");
      const salt = attributes.get("s");
      const iterations = Number(attributes.get("i"));
      if (attributes.has("m")) throw new ScramError("the server asks for an unknown extension");
      if (!nonce?.startsWith(clientNonce) || nonce.length === clientNonce.length) {
        throw new ScramError("the server's nonce does not extend ours");
      }
      if (!salt || !Number.isInteger(iterations) || iterations < 1) {
        throw new ScramError("the server's challenge has no usable salt or iteration count");
      }
      const kept = options.kept;
      if (kept && kept.hash === hash && kept.salt === salt && kept.iterations === iterations) {
        keys = kept;
      } else if (options.password !== undefined) {
        keys = deriveKeys(hash, options.password, salt, iterations);
      } else {
        throw new ScramError("the server changed its salt, and no password is kept");
      }
      const withoutProof = `c=${Buffer.from(gs2Header).toString("base64")},r=${nonce}`;
      authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
      const clientKey = Buffer.from(keys.clientKey, "base64");
      const storedKey = createHash(NODE_HASH[hash]).update(clientKey).digest();
      const signature = hmac(hash, storedKey, authMessage);
      const proof = Buffer.alloc(clientKey.length);
      for (let i = 0; i < proof.length; i++) proof[i] = (clientKey[i] ?? 0) ^ (signature[i] ?? 0);
      return `${withoutProof},p=${proof.toString("base64")}`;
    },
    verify(serverFinal) {
      const attributes = parseAttributes(serverFinal);
      const error = attributes.get("e");
      if (error) throw new ScramError(`the server refused: ${error}`);
      if (!keys) throw new ScramError("no challenge was answered");
      const expected = hmac(hash, Buffer.from(keys.serverKey, "base64"), authMessage);
      const offered = Buffer.from(attributes.get("v") ?? "", "base64");
      if (offered.length !== expected.length || !timingSafeEqual(offered, expected)) {
        throw new ScramError("the server's signature is wrong: it does not know the password");
      }
    },
    get keys() {
      return keys;
    },
  };
}
