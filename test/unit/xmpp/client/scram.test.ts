import { describe, expect, it } from "vitest";
import { deriveKeys, escapeUsername, scramExchange } from "../../../../src/xmpp/client/scram.js";

describe("SCRAM (RFC 5802, RFC 7677)", () => {
  it("computes RFC 5802 §5's SCRAM-SHA-1 example", () => {
    const scram = scramExchange({
      hash: "SHA-1",
      username: "user",
      password: "pencil",
      nonce: "fyko+d2lbbFgONRv9qkxdawL",
    });
    expect(scram.first()).toBe("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
    const final = scram.final(
      "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
    );
    expect(final).toBe(
      "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
    );
    expect(() => scram.verify("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=")).not.toThrow();
  });

  it("computes RFC 7677 §3's SCRAM-SHA-256 example", () => {
    const scram = scramExchange({
      hash: "SHA-256",
      username: "user",
      password: "pencil",
      nonce: "rOprNGfwEbeRWgbNEkqO",
    });
    const final = scram.final(
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
    );
    expect(final).toBe(
      "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
    );
    expect(() => scram.verify("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")).not.toThrow();
  });

  it("logs in again with kept salted keys alone, giving the same proof as the password", () => {
    const kept = deriveKeys("SHA-1", "pencil", "QSXCR+Q6sek8bf92", 4096);
    const scram = scramExchange({
      hash: "SHA-1",
      username: "user",
      kept,
      nonce: "fyko+d2lbbFgONRv9qkxdawL",
    });
    scram.first();
    expect(
      scram.final("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"),
    ).toContain("p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=");
  });

  it("cannot log in with kept keys once the server draws a new salt", () => {
    const kept = deriveKeys("SHA-1", "pencil", "QSXCR+Q6sek8bf92", 4096);
    const scram = scramExchange({ hash: "SHA-1", username: "user", kept, nonce: "abc" });
    expect(() => scram.final("r=abcdef,s=b3RoZXJzYWx0,i=4096")).toThrow(
      /new salt|changed its salt/,
    );
  });

  it("refuses a server that cannot prove it knows the password", () => {
    const scram = scramExchange({
      hash: "SHA-1",
      username: "user",
      password: "pencil",
      nonce: "n",
    });
    scram.final("r=nX,s=QSXCR+Q6sek8bf92,i=4096");
    expect(() => scram.verify("v=AAAAAAAAAAAAAAAAAAAAAAAAAAA=")).toThrow(/signature/);
  });

  it("refuses a server nonce that does not extend the client's", () => {
    const scram = scramExchange({ hash: "SHA-1", username: "user", password: "p", nonce: "abc" });
    expect(() => scram.final("r=xyz123,s=QSXCR+Q6sek8bf92,i=4096")).toThrow(/nonce/);
  });

  it("escapes = and , in the user name (RFC 5802 §5.1)", () => {
    expect(escapeUsername("a=b,c")).toBe("a=3Db=2Cc");
  });
});
