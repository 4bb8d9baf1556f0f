/**
 * Sealing an account's login secrets for the store (README, "Accounts", security): AES-256-GCM
 * (NIST SP 800-38D) with the operator's key (XMPP_REST_SECRET_KEY or _FILE), a fresh 96-bit
 * nonce per seal, and the account's JID as associated data, so a sealed value copied onto
 * another account's row does not open. The store only ever holds the sealed text.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";
import { readFileSync } from "node:fs";
import { deriveScramKeys, type ScramKeys } from "../xmpp/client/index.js";

/** What a login needs: the password, or (servers with a stable salt) the SCRAM keys only. */
export interface LoginSecrets {
  readonly password?: string | undefined;
  readonly scram?: ScramKeys | undefined;
}

export interface Sealer {
  seal(secrets: LoginSecrets, jid: string): string;
  /** Throws when the text was not sealed with this key for this JID. */
  open(sealed: string, jid: string): LoginSecrets;
}

const VERSION = "v1";

export function createSealer(key: Buffer): Sealer {
  if (key.length !== 32) throw new Error("the secret key must be 32 bytes");
  return {
    seal(secrets, jid) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, nonce);
      cipher.setAAD(Buffer.from(jid, "utf8"));
      const body = Buffer.concat([cipher.update(JSON.stringify(secrets), "utf8"), cipher.final()]);
      return `${VERSION}:${Buffer.concat([nonce, cipher.getAuthTag(), body]).toString("base64")}`;
    },
    open(sealed, jid) {
      const [version, data = ""] = sealed.split(":", 2);
      if (version !== VERSION) throw new Error("sealed credentials of an unknown version");
      const raw = Buffer.from(data, "base64");
      const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(jid, "utf8"));
      decipher.setAuthTag(raw.subarray(12, 28));
      const plain = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
      return JSON.parse(plain.toString("utf8")) as LoginSecrets;
    },
  };
}

/**
 * The operator's key: XMPP_REST_SECRET_KEY, or the first line of XMPP_REST_SECRET_KEY_FILE
 * (64 hex digits either way). Undefined when neither is set; throws, naming the file but
 * never its content, when the file is unreadable or holds something else.
 */
export function readSecretKey(settings: {
  readonly secretKey?: string | undefined;
  readonly secretKeyFile?: string | undefined;
}): Buffer | undefined {
  if (settings.secretKey) return Buffer.from(settings.secretKey, "hex");
  if (!settings.secretKeyFile) return undefined;
  let text: string;
  try {
    text = readFileSync(settings.secretKeyFile, "utf8").trim();
  } catch (err) {
    const code = (err as { code?: string }).code ?? "unreadable";
    throw new Error(`XMPP_REST_SECRET_KEY_FILE ${settings.secretKeyFile}: ${code}`);
  }
  if (!/^[0-9a-fA-F]{64}$/.test(text)) {
    throw new Error(
      `XMPP_REST_SECRET_KEY_FILE ${settings.secretKeyFile}: expected 64 hex digits (openssl rand -hex 32)`,
    );
  }
  return Buffer.from(text, "hex");
}

/**
 * Whether `password` is the one these secrets log in with: compared in constant time with the
 * kept password, or, where only the SCRAM keys are kept, with the ClientKey derived again from
 * it with the server's salt and iteration count (RFC 5802 §3). Undefined when nothing is kept.
 */
export function secretsMatch(secrets: LoginSecrets, password: string): boolean | undefined {
  const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();
  if (secrets.password !== undefined) {
    return timingSafeEqual(digest(secrets.password), digest(password));
  }
  const kept = secrets.scram;
  if (!kept) return undefined;
  const derived = deriveScramKeys(kept.hash, password, kept.salt, kept.iterations);
  return timingSafeEqual(digest(derived.clientKey), digest(kept.clientKey));
}
