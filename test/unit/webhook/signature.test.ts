import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { secretKey, sign, signatureHeaders, verify } from "../../../src/webhook/signature.js";

describe("Standard Webhooks signatures", () => {
  it("signs {id}.{timestamp}.{body} with HMAC-SHA256 and the whsec_ key bytes", () => {
    const key = Buffer.from("key bytes");
    const secret = `whsec_${key.toString("base64")}`;
    const expected = createHmac("sha256", key)
      .update("msg_1.1700000000.<message/>")
      .digest("base64");
    expect(sign(secretKey(secret), "msg_1", 1_700_000_000, "<message/>")).toBe(`v1,${expected}`);
  });

  it("uses a secret without the prefix as UTF-8 bytes", () => {
    expect(secretKey("plain")).toEqual(Buffer.from("plain"));
  });

  it("verifies what it signs, and rejects a tampered body, another secret or an old timestamp", () => {
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const now = 1_700_000_000_000;
    const h = signatureHeaders(secretKey(secret), "msg_abc", '<message type="chat"/>', now);
    const headers = {
      id: h["webhook-id"],
      timestamp: h["webhook-timestamp"],
      signature: h["webhook-signature"],
    };
    expect(headers.timestamp).toBe("1700000000");
    expect(verify(secret, headers, '<message type="chat"/>', now)).toBe(true);
    expect(verify(secret, headers, '<message type="normal"/>', now)).toBe(false);
    expect(verify("whsec_b3RoZXI=", headers, '<message type="chat"/>', now)).toBe(false);
    expect(verify(secret, headers, '<message type="chat"/>', now + 301_000)).toBe(false);
    expect(verify(secret, headers, '<message type="chat"/>', now + 299_000)).toBe(true);
    // Several signatures (key rotation): any one matching is enough.
    const rotated = { ...headers, signature: `v1,bm90IGl0 ${headers.signature}` };
    expect(verify(secret, rotated, '<message type="chat"/>', now)).toBe(true);
  });
});
