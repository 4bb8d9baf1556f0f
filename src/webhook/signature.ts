import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com/, spec v1):
 * HMAC-SHA256 over "{webhook-id}.{webhook-timestamp}.{body}", base64, sent as
 * `v1,<signature>`. A secret written `whsec_<base64>` is the key's bytes in
 * base64; any other string is used as UTF-8 bytes.
 */

const PREFIX = "whsec_";
/** The spec's recommended replay window. */
export const TOLERANCE_SECONDS = 5 * 60;

export function secretKey(secret: string): Buffer {
  return secret.startsWith(PREFIX)
    ? Buffer.from(secret.slice(PREFIX.length), "base64")
    : Buffer.from(secret, "utf8");
}

export function sign(key: Buffer, id: string, timestamp: number, body: string): string {
  const mac = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  return `v1,${mac}`;
}

/** A delivery id: one per stanza, so a receiver can deduplicate should a delivery ever be repeated. */
export function newWebhookId(): string {
  return `msg_${randomUUID()}`;
}

export function signatureHeaders(
  key: Buffer,
  id: string,
  body: string,
  now: number = Date.now(),
): Record<string, string> {
  const timestamp = Math.floor(now / 1000);
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": sign(key, id, timestamp, body),
  };
}

/**
 * The receiver's check, as the examples and docs describe it: the timestamp
 * within the tolerance and one of the space-separated `v1,` signatures equal
 * (compared in constant time).
 */
export function verify(
  secret: string,
  headers: { id?: string; timestamp?: string; signature?: string },
  body: string,
  now: number = Date.now(),
): boolean {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(now / 1000 - Number(timestamp)) > TOLERANCE_SECONDS) return false;
  const expected = Buffer.from(sign(secretKey(secret), id, Number(timestamp), body));
  return signature.split(" ").some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
