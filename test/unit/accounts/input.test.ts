import { describe, expect, it } from "vitest";
import { accountJid, parseAccountInput } from "../../../src/accounts/input.js";

describe("PUT /v1/accounts/{jid}'s input", () => {
  it("takes a bare JID only, normalised", () => {
    expect(accountJid("Alice@Example.org")).toBe("alice@example.org");
    expect(() => accountJid("alice@example.org/phone")).toThrow(/bare JID/);
    expect(() => accountJid("example.org")).toThrow(/bare JID/);
  });

  it("reads the settings with their defaults", () => {
    expect(parseAccountInput({ password: "pw" })).toEqual({
      password: "pw",
      settings: { server: undefined, resource: "xmpp-rest", presence: {} },
      webhook: undefined,
    });
    const full = parseAccountInput({
      password: "pw",
      server: "127.0.0.1:5222",
      resource: "bridge",
      presence: { show: "dnd", priority: -1 },
      plaintext: true,
      webhook: { callbackUrl: "http://127.0.0.1:9/hook" },
    });
    expect(full.settings).toEqual({
      server: "127.0.0.1:5222",
      resource: "bridge",
      presence: { show: "dnd", priority: -1 },
      plaintext: true,
    });
    expect(full.webhook?.url).toBe("http://127.0.0.1:9/hook");
  });

  it("names the field at fault", () => {
    const problem = (body: unknown) => {
      try {
        parseAccountInput(body);
        return "";
      } catch (err) {
        return (err as { status: number; text: string }).text;
      }
    };
    expect(problem({})).toContain('"password"');
    expect(problem({ password: "a\u0000b" })).toContain("RFC 4013");
    expect(problem({ password: "p", server: "a b" })).toContain('"server"');
    expect(problem({ password: "p", presence: { show: "busy" } })).toContain("presence.show");
    expect(problem({ password: "p", presence: { priority: 300 } })).toContain("presence.priority");
    expect(problem({ password: "p", plaintext: true, server: "xmpp.example.org:5222" })).toContain(
      "loopback",
    );
    expect(problem({ password: "p", webhook: { callbackUrl: "ftp://x" } })).toContain(
      "callbackUrl",
    );
    expect(problem({ password: "p", tokens: [] })).toContain('unknown field "tokens"');
  });
});
