import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  type Config,
  ConfigError,
  loadConfig,
  OPTIONS,
  type OptionSpec,
  optionsSchema,
  parseOptions,
} from "../../src/config.js";
import type { LogLevel } from "../../src/log.js";
import { integer, listOf, seconds } from "../../src/option-types.js";
import type { AddressForm } from "../../src/stanza/jid.js";

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

describe("the settings schema", () => {
  it("is generated from OPTIONS, one entry per setting", () => {
    expect(Object.keys(optionsSchema(OPTIONS).shape).sort()).toEqual(
      OPTIONS.map((o) => o.key).sort(),
    );
  });

  it.each([
    [
      { XMPP_REST_HTTP_PORT: "70000" },
      'XMPP_REST_HTTP_PORT (httpPort): "70000" is not valid; expected a whole number from 0 to 65535',
    ],
    [
      { XMPP_REST_HTTP_PORT: "80.5" },
      'XMPP_REST_HTTP_PORT (httpPort): "80.5" is not valid; expected a whole number from 0 to 65535',
    ],
    [
      { XMPP_REST_IQ_TIMEOUT: "soon" },
      'XMPP_REST_IQ_TIMEOUT (iqTimeout): "soon" is not valid; expected a number of seconds from 0.001 to 86400',
    ],
    [
      { XMPP_REST_LOG_FORMAT: "xml" },
      'XMPP_REST_LOG_FORMAT (logFormat): "xml" is not valid; expected one of auto, json, pretty',
    ],
    [
      { XMPP_REST_METRICS: "maybe" },
      'XMPP_REST_METRICS (metrics): "maybe" is not valid; expected on or off',
    ],
    [
      { XMPP_REST_CALLBACK_STANZAS: "message,tweet" },
      'XMPP_REST_CALLBACK_STANZAS (callbackStanzas): "message,tweet" is not valid; expected a comma-separated list of message, presence, iq',
    ],
    [
      { XMPP_REST_CALLBACK_URL: "ftp://x" },
      'XMPP_REST_CALLBACK_URL (callbackUrl): "ftp://x" is not valid; expected an http:// or https:// URL',
    ],
    [
      { XMPP_REST_CALLBACK_SECRET: "whsec_***" },
      'XMPP_REST_CALLBACK_SECRET (callbackSecret): "whsec_***" is not valid; expected whsec_ followed by base64, or any other string',
    ],
  ])("answers %j with one line naming the setting and the expected form", (env, line) => {
    expect(configError({ ...required, ...env })).toBe(line);
  });

  it("reads the web origins allowed by CORS, and refuses one with a path", () => {
    const config = loadConfig({
      env: {
        ...required,
        XMPP_REST_CORS_ORIGINS: "https://chat.example.org, http://127.0.0.1:8080",
      },
    });
    expect(config.corsOrigins).toEqual(["https://chat.example.org", "http://127.0.0.1:8080"]);
    expect(loadConfig({ env: required }).corsOrigins).toBeUndefined();
    expect(configError({ ...required, XMPP_REST_CORS_ORIGINS: "https://x.org/chat" })).toContain(
      "XMPP_REST_CORS_ORIGINS",
    );
  });

  it("says a required setting is missing", () => {
    expect(configError({ XMPP_REST_SECRET: "s", XMPP_REST_TOKENS: "t" })).toBe(
      "XMPP_REST_DOMAIN (domain): missing; expected a domain name such as rest.example.org",
    );
  });

  it("reads the typed settings into their values", () => {
    const config = loadConfig({
      env: {
        ...required,
        XMPP_REST_DOMAIN: "REST.Example.org",
        XMPP_REST_METRICS: "OFF",
        XMPP_REST_LOG_FORMAT: "JSON",
        XMPP_REST_CALLBACK_TIMEOUT: "2.5",
        XMPP_REST_CALLBACK_CONTENT_TYPE: "application/json; charset=utf-8",
      },
    });
    expect(config).toMatchObject({
      domain: "rest.example.org",
      metrics: false,
      metricsToken: undefined,
      logFormat: "json",
      callbackTimeoutMs: 2500,
      callbackContentType: "application/json",
    });
  });

  it("treats a setting without a type as text, so a new entry needs no more than its spec", () => {
    const specs = [
      { key: "plain", env: "X_PLAIN", description: "d" },
      { key: "needed", env: "X_NEEDED", description: "d", required: true },
      { key: "count", env: "X_COUNT", description: "d", default: "3", type: integer(1, 5) },
    ] as const satisfies readonly OptionSpec[];
    const values = parseOptions({ needed: " yes ", count: "4" }, specs);
    expect(values.plain).toBeUndefined();
    expect(values.needed).toBe("yes");
    expect(values.count).toBe(4);
    expect(() => parseOptions({ count: "4" }, specs)).toThrow("X_NEEDED (needed): missing");
  });

  it("types each value from its entry, under its field name when it has one", () => {
    const specs = [
      { key: "wait", field: "waitMs", env: "X_WAIT", description: "d", type: seconds(1, 9) },
      {
        key: "forms",
        env: "X_FORMS",
        description: "d",
        default: "bare",
        type: listOf(["bare", "host"], "forms"),
      },
      { key: "note", env: "X_NOTE", description: "d" },
    ] as const satisfies readonly OptionSpec[];
    const values = parseOptions({ wait: "2", forms: "host, bare" }, specs);
    expect(values).toEqual({ waitMs: 2000, forms: ["host", "bare"], note: undefined });
    expectTypeOf(values).toEqualTypeOf<{
      readonly waitMs: number | undefined;
      readonly forms: readonly ("bare" | "host")[];
      readonly note: string | undefined;
    }>();
  });

  it("derives every field of Config from OPTIONS, plus the config file's bots", () => {
    const config = loadConfig({
      env: {
        ...required,
        XMPP_REST_CALLBACK_QUEUE: "5",
        XMPP_REST_CALLBACK_RETRY: "1,2",
        XMPP_REST_STORE_RETENTION: "1m",
      },
    });
    expect(Object.keys(config).sort()).toEqual(
      [...OPTIONS.map((o) => o.field ?? o.key), "bots"].sort(),
    );
    expect(config).toMatchObject({
      callbackQueueSize: 5,
      callbackRetryMs: [1000, 2000],
      storeRetentionMs: 60_000,
    });
    expectTypeOf<Config["logLevel"]>().toEqualTypeOf<LogLevel>();
    expectTypeOf<Config["callbackEvents"]>().toEqualTypeOf<readonly AddressForm[]>();
    expectTypeOf<Config["metricsToken"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Config["iqTimeoutMs"]>().toEqualTypeOf<number>();
  });
});
