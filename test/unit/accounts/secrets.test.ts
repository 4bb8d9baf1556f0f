import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createSealer, readSecretKey, secretsMatch } from "../../../src/accounts/secrets.js";
import { deriveScramKeys } from "../../../src/xmpp/client/index.js";

describe("sealing an account's login secrets (AES-256-GCM)", () => {
  const key = randomBytes(32);

  it("opens what it sealed, and the sealed text shows nothing of the password", () => {
    const sealer = createSealer(key);
    const sealed = sealer.seal({ password: "correct horse" }, "a@example.org");
    expect(sealed).not.toContain("correct");
    expect(Buffer.from(sealed.slice(3), "base64").toString("latin1")).not.toContain("correct");
    expect(sealer.open(sealed, "a@example.org")).toEqual({ password: "correct horse" });
    expect(sealer.seal({ password: "x" }, "a@example.org")).not.toBe(
      sealer.seal({ password: "x" }, "a@example.org"),
    );
  });

  it("refuses to open another account's row, or with another key", () => {
    const sealed = createSealer(key).seal({ password: "p" }, "a@example.org");
    expect(() => createSealer(key).open(sealed, "b@example.org")).toThrow();
    expect(() => createSealer(randomBytes(32)).open(sealed, "a@example.org")).toThrow();
  });

  it("reads the key from the variable or a file, and names a bad file without its content", () => {
    const hex = randomBytes(32).toString("hex");
    expect(readSecretKey({ secretKey: hex })?.toString("hex")).toBe(hex);
    expect(readSecretKey({})).toBeUndefined();
    const dir = mkdtempSync(join(tmpdir(), "xmpp-rest-key-"));
    try {
      writeFileSync(join(dir, "key"), `${hex}\n`);
      expect(readSecretKey({ secretKeyFile: join(dir, "key") })?.toString("hex")).toBe(hex);
      writeFileSync(join(dir, "bad"), "not-a-key-secret-text");
      expect(() => readSecretKey({ secretKeyFile: join(dir, "bad") })).toThrow(/64 hex digits/);
      expect(() => readSecretKey({ secretKeyFile: join(dir, "bad") })).not.toThrow(/secret-text/);
      expect(() => readSecretKey({ secretKeyFile: join(dir, "missing") })).toThrow(/ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("recognising an account's password", () => {
  it("against the kept password, or against SCRAM keys derived again with the server's salt", () => {
    expect(secretsMatch({ password: "pw" }, "pw")).toBe(true);
    expect(secretsMatch({ password: "pw" }, "other")).toBe(false);
    const scram = deriveScramKeys("SHA-1", "pw", "QSXCR+Q6sek8bf92", 4096);
    expect(secretsMatch({ scram }, "pw")).toBe(true);
    expect(secretsMatch({ scram }, "other")).toBe(false);
    expect(secretsMatch({}, "pw")).toBeUndefined();
  });
});
