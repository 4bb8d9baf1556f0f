import { describe, expect, it } from "vitest";
import { addressForm, createJidParser, normaliseJid, parseJid } from "../../../src/stanza/jid.js";
import { fromIsOurs } from "../../../src/xmpp/link.js";

describe("normaliseJid (RFC 7622)", () => {
  it.each([
    ["example.com", "example.com"],
    ["User@Example.COM", "user@example.com"],
    ["user@example.com/Resource With Spaces", "user@example.com/Resource With Spaces"],
    ["user@example.com./r", "user@example.com/r"],
    ["ＵＳＥＲ@example.com", "user@example.com"],
    ["user@127.0.0.1", "user@127.0.0.1"],
    ["user@[::1]", "user@[::1]"],
    ["room@muc.example.com/nick/with/slashes", "room@muc.example.com/nick/with/slashes"],
    ["ñandú@example.com", "ñandú@example.com"],
  ])("normalises %s to %s", (input, expected) => {
    expect(normaliseJid(input)).toBe(expected);
  });

  it.each([
    [""],
    ["@example.com"],
    ["user@"],
    ["a@b@c"],
    ["user@example.com/"],
    ["us er@example.com"],
    ["us<er@example.com"],
    ["user@exa mple.com"],
    ["user@-example.com"],
    ["user@example..com"],
    [`${"a".repeat(1024)}@example.com`],
    ["user\u0000@example.com"],
    ["user@example.com/\u0007"],
    ["שלוםabc@example.com"],
  ])("rejects %j", (input) => {
    expect(normaliseJid(input)).toBeUndefined();
  });

  it("tells host, bare and full addresses apart", () => {
    const form = (s: string) => {
      const jid = parseJid(s);
      if (!jid) throw new Error(s);
      return addressForm(jid);
    };
    expect(form("rest.example.org")).toBe("host");
    expect(form("bot@rest.example.org")).toBe("bare");
    expect(form("bot@rest.example.org/x")).toBe("full");
  });
});

describe("fromIsOurs (the server's component from check)", () => {
  it.each([
    [undefined, true],
    ["rest.example.org", true],
    ["bot@rest.example.org", true],
    ["bot@rest.example.org/a@b", true],
    ["bot@REST.example.org", false],
    ["bot@example.org", false],
    ["rest.example.org.evil", false],
    ["", false],
  ])("%s -> %s", (from, ok) => {
    expect(fromIsOurs(from, "rest.example.org")).toBe(ok);
  });
});

describe("createJidParser", () => {
  it("parses like parseJid and hands back the remembered JID for a repeated address", () => {
    const parse = createJidParser(4);
    const first = parse("Juliet@Capulet.Example/Balcony");
    expect(first).toEqual(parseJid("Juliet@Capulet.Example/Balcony"));
    expect(parse("Juliet@Capulet.Example/Balcony")).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it("never remembers invalid input and stays within its size", () => {
    const parse = createJidParser(2);
    expect(parse("a@")).toBeUndefined();
    const a = parse("a@x.example");
    parse("b@x.example");
    parse("c@x.example"); // full: cleared, then c remembered
    expect(parse("a@x.example")).not.toBe(a);
    expect(parse("a@x.example")).toEqual(a);
  });
});
