import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

const required = {
  XMPP_REST_DOMAIN: "rest.example.org",
  XMPP_REST_SECRET: "s3cret",
  XMPP_REST_TOKENS: "a, b",
};

function configError(env: Record<string, string>, configPath?: string): string {
  try {
    loadConfig({ env, ...(configPath ? { configPath } : {}) });
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("applies the documented defaults", () => {
    const config = loadConfig({ env: required });
    expect(config).toMatchObject({
      service: "xmpp://127.0.0.1:5347",
      domain: "rest.example.org",
      httpHost: "127.0.0.1",
      httpPort: 5281,
      tokens: ["a", "b"],
      iqTimeoutMs: 120_000,
      iqMaxTimeoutMs: 300_000,
      maxPendingIq: 10_000,
      stanzaSizeLimit: 196_608,
      logLevel: "info",
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it.each([
    ["XMPP_REST_DOMAIN", { ...required, XMPP_REST_DOMAIN: "" }],
    ["XMPP_REST_SECRET", { XMPP_REST_DOMAIN: "d.example", XMPP_REST_TOKENS: "t" }],
    ["XMPP_REST_TOKENS", { ...required, XMPP_REST_TOKENS: " , " }],
    ["XMPP_REST_HTTP_PORT", { ...required, XMPP_REST_HTTP_PORT: "70000" }],
    ["XMPP_REST_SERVICE", { ...required, XMPP_REST_SERVICE: "http://x" }],
    ["XMPP_REST_DOMAIN", { ...required, XMPP_REST_DOMAIN: "bot@rest.example.org" }],
    ["XMPP_REST_LOG_LEVEL", { ...required, XMPP_REST_LOG_LEVEL: "loud" }],
    [
      "XMPP_REST_IQ_TIMEOUT",
      { ...required, XMPP_REST_IQ_TIMEOUT: "500", XMPP_REST_IQ_MAX_TIMEOUT: "300" },
    ],
    ["XMPP_REST_MAX_PENDING_IQ", { ...required, XMPP_REST_MAX_PENDING_IQ: "-1" }],
  ])("names %s when it is wrong", (variable, env) => {
    expect(configError(env)).toContain(variable);
  });

  it("reads a JSON file and lets the environment win", () => {
    const dir = mkdtempSync(join(tmpdir(), "xmpp-rest-config-"));
    const file = join(dir, "config.json");
    writeFileSync(
      file,
      JSON.stringify({ domain: "file.example", secret: "x", tokens: ["t1", "t2"], httpPort: 6000 }),
    );
    const config = loadConfig({ env: { XMPP_REST_HTTP_PORT: "7000" }, configPath: file });
    expect(config.domain).toBe("file.example");
    expect(config.tokens).toEqual(["t1", "t2"]);
    expect(config.httpPort).toBe(7000);
  });

  it("rejects unknown keys and unreadable files in one line", () => {
    const dir = mkdtempSync(join(tmpdir(), "xmpp-rest-config-"));
    const file = join(dir, "config.json");
    writeFileSync(file, JSON.stringify({ domian: "typo" }));
    expect(configError({}, file)).toContain('unknown setting "domian"');
    expect(configError({}, join(dir, "missing.json"))).toContain("cannot read config file");
  });
});
