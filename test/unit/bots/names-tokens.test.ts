import { describe, expect, it } from "vitest";
import { generateToken, hashToken, TokenTable, tokenProblem } from "../../../src/access/tokens.js";
import { parseBotSettings } from "../../../src/bots/input.js";
import { botName } from "../../../src/bots/names.js";
import { StanzaError } from "../../../src/stanza/errors.js";

function problemOf(fn: () => unknown): { status: number; text: string | undefined } {
  try {
    fn();
  } catch (err) {
    if (err instanceof StanzaError) return { status: err.status, text: err.text };
    throw err;
  }
  throw new Error("did not throw");
}

describe("botName", () => {
  it("normalises a localpart as servers compare it (RFC 7622 §3.3)", () => {
    expect(botName("Support")).toBe("support");
    expect(botName("ｓｕｐｐｏｒｔ")).toBe("support");
    expect(botName("bot.1-x_y")).toBe("bot.1-x_y");
    expect(botName("пётр")).toBe("пётр");
  });

  it.each([
    ["", "empty"],
    ["a@b", "'@'"],
    ["a/b", "'/'"],
    ["a b", "U+0020"],
    ["a\u0000b", "U+0000"],
    ["a:b", "':'"],
    ["<x>", "'<'"],
    ["x".repeat(1024), "1023 bytes"],
  ])("refuses %j with a 422 naming the problem (%s)", (name, problem) => {
    const { status, text } = problemOf(() => botName(name));
    expect(status).toBe(422);
    expect(text).toContain(problem);
  });
});

describe("tokens", () => {
  it("finds the owner of a token by its digest, and nobody for near misses", () => {
    const table = new TokenTable<string>();
    table.replace([
      { hash: hashToken("alpha-token-0123456789"), owner: "alpha" },
      { hash: hashToken("beta-token-0123456789"), owner: "beta" },
    ]);
    expect(table.find("alpha-token-0123456789")).toBe("alpha");
    expect(table.find("beta-token-0123456789")).toBe("beta");
    for (const wrong of [
      "alpha-token-012345678",
      "alpha-token-01234567890",
      "",
      "ALPHA-token-0123456789",
    ]) {
      expect(table.find(wrong), wrong).toBeUndefined();
    }
  });

  it("swaps one key's tokens without touching the others, and forgets a key given none", () => {
    const table = new TokenTable<string>();
    table.replace([{ hash: hashToken("admin-token-0123456789"), owner: "admin" }]);
    table.setFor("a", [hashToken("a-first-token-0123456789")], "a");
    table.setFor("b", [hashToken("b-first-token-0123456789")], "b");
    table.setFor("a", [hashToken("a-second-token-012345678")], "a");
    expect(table.find("a-first-token-0123456789")).toBeUndefined();
    expect(table.find("a-second-token-012345678")).toBe("a");
    expect(table.find("b-first-token-0123456789")).toBe("b");
    expect(table.find("admin-token-0123456789")).toBe("admin");
    table.setFor("b", [], "b");
    expect(table.find("b-first-token-0123456789")).toBeUndefined();
    expect(table.find("a-second-token-012345678")).toBe("a");
  });

  it("generates distinct tokens that pass its own rules", () => {
    const a = generateToken();
    const b = generateToken();
    expect(a).not.toBe(b);
    expect(tokenProblem(a)).toBeUndefined();
    expect(hashToken(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("refuses short, long and non-printable tokens", () => {
    expect(tokenProblem("short")).toContain("at least 16");
    expect(tokenProblem("x".repeat(513))).toContain("at most 512");
    expect(tokenProblem("with a space inside it")).toContain("printable");
  });
});

describe("parseBotSettings", () => {
  it("reads tokens and webhook settings", () => {
    expect(
      parseBotSettings({
        tokens: ["a-long-enough-token-1"],
        callbackUrl: "http://127.0.0.1:5000/{kind}",
        callbackContentType: "json",
      }),
    ).toEqual({
      tokens: ["a-long-enough-token-1"],
      webhook: {
        url: "http://127.0.0.1:5000/{kind}",
        secret: undefined,
        token: undefined,
        contentType: "application/json",
      },
    });
    expect(parseBotSettings({})).toEqual({ tokens: undefined });
  });

  it.each([
    [{ callbackURL: "http://x/" }, 'unknown field "callbackURL"'],
    [{ tokens: "abc" }, '"tokens" must be an array'],
    [{ tokens: ["short"] }, "at least 16"],
    [{ callbackUrl: "ftp://x/" }, "http:// or https://"],
    [{ callbackSecret: "s" }, 'need "callbackUrl"'],
    [{ callbackUrl: "http://x/", callbackContentType: "text/html" }, "callbackContentType"],
    [[], "JSON object"],
  ])("refuses %j with a 422 naming the field", (value, text) => {
    const problem = problemOf(() => parseBotSettings(value));
    expect(problem.status).toBe(422);
    expect(problem.text).toContain(text);
  });
});
