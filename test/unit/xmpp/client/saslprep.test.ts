import { describe, expect, it } from "vitest";
import { saslPrep } from "../../../../src/xmpp/client/saslprep.js";

describe("SASLprep (RFC 4013)", () => {
  it("follows RFC 4013 §3's examples", () => {
    expect(saslPrep("I\u00adX")).toEqual({ ok: true, value: "IX" });
    expect(saslPrep("user")).toEqual({ ok: true, value: "user" });
    expect(saslPrep("USER")).toEqual({ ok: true, value: "USER" });
    expect(saslPrep("\u00aa")).toEqual({ ok: true, value: "a" });
    expect(saslPrep("\u2168")).toEqual({ ok: true, value: "IX" });
    expect(saslPrep("\u0007")).toMatchObject({ ok: false });
    expect(saslPrep("\u0627\u0031")).toMatchObject({ ok: false });
  });

  it("maps non-ASCII spaces to a space and keeps ordinary passwords as they are", () => {
    expect(saslPrep("pass\u00a0word")).toEqual({ ok: true, value: "pass word" });
    expect(saslPrep("correct horse battery staple")).toMatchObject({ ok: true });
  });

  it("says which kind of character it refuses", () => {
    expect(saslPrep("a\u0000b")).toMatchObject({
      ok: false,
      problem: expect.stringContaining("control"),
    });
    expect(saslPrep("a\ue000")).toMatchObject({
      ok: false,
      problem: expect.stringContaining("private-use"),
    });
    expect(saslPrep("\u00ad")).toMatchObject({
      ok: false,
      problem: expect.stringContaining("empty"),
    });
  });
});
