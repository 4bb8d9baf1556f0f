import { readFileSync } from "node:fs";
import { FORM, JSON_TYPE, type MediaType, mediaTypeOf, XMPP_XML } from "./formats/negotiate.js";
import { normaliseJid } from "./stanza/jid.js";
import { STANZA_KINDS, type StanzaKind } from "./stanza/kinds.js";

type AddressForm = "bare" | "full" | "host";

/**
 * Every setting, described once: the CLI's --help, the README table and the
 * validation all come from this list.
 */
export interface OptionSpec {
  /** Key in the JSON config file. */
  readonly key: string;
  readonly env: string;
  readonly description: string;
  /** Default as the user would write it; undefined means required (or off). */
  readonly default?: string;
  readonly required?: boolean;
  /** The mod_rest option with the same meaning, if there is one. */
  readonly modRest?: string;
}

export const OPTIONS: readonly OptionSpec[] = [
  {
    key: "service",
    env: "XMPP_REST_SERVICE",
    description: "Component endpoint of the XMPP server (xmpp://host:port)",
    default: "xmpp://127.0.0.1:5347",
  },
  {
    key: "domain",
    env: "XMPP_REST_DOMAIN",
    description: "The component's domain, as configured on the XMPP server",
    required: true,
  },
  {
    key: "secret",
    env: "XMPP_REST_SECRET",
    description: "The component's shared secret (component_secret)",
    required: true,
  },
  {
    key: "httpHost",
    env: "XMPP_REST_HTTP_HOST",
    description: "Address the HTTP API listens on",
    default: "127.0.0.1",
    modRest: "http_interfaces",
  },
  {
    key: "httpPort",
    env: "XMPP_REST_HTTP_PORT",
    description: "Port the HTTP API listens on",
    default: "5281",
    modRest: "http_ports",
  },
  {
    key: "tokens",
    env: "XMPP_REST_TOKENS",
    description: "Comma-separated Bearer tokens allowed to use the API",
    required: true,
    modRest: "rest_credentials",
  },
  {
    key: "iqTimeout",
    env: "XMPP_REST_IQ_TIMEOUT",
    description: "Seconds an iq waits for its reply unless the request says otherwise",
    default: "120",
  },
  {
    key: "iqMaxTimeout",
    env: "XMPP_REST_IQ_MAX_TIMEOUT",
    description: "Upper bound for the Prosody-Rest-Timeout request header, seconds",
    default: "300",
  },
  {
    key: "maxPendingIq",
    env: "XMPP_REST_MAX_PENDING_IQ",
    description: "iqs that may wait for a reply at once; beyond it requests get 503",
    default: "10000",
  },
  {
    key: "stanzaSizeLimit",
    env: "XMPP_REST_STANZA_SIZE_LIMIT",
    description: "Largest request body or webhook answer accepted, bytes",
    default: "196608",
  },
  {
    key: "logLevel",
    env: "XMPP_REST_LOG_LEVEL",
    description: "debug, info, warn or error",
    default: "info",
  },
  {
    key: "logFormat",
    env: "XMPP_REST_LOG_FORMAT",
    description: "json (one JSON object a line), pretty (readable), or auto: pretty on a terminal",
    default: "auto",
  },
  {
    key: "metrics",
    env: "XMPP_REST_METRICS",
    description: "on: count and serve Prometheus metrics at GET /metrics; off: count nothing",
    default: "on",
  },
  {
    key: "metricsToken",
    env: "XMPP_REST_METRICS_TOKEN",
    description: "Bearer token GET /metrics requires; unset, /metrics needs none",
  },
  {
    key: "callbackUrl",
    env: "XMPP_REST_CALLBACK_URL",
    description:
      "Webhook that receives inbound stanzas; {kind}, {type}, {to}, {from} are filled in, URL-encoded",
    modRest: "rest_callback_url",
  },
  {
    key: "callbackStanzas",
    env: "XMPP_REST_CALLBACK_STANZAS",
    description: "Stanza kinds forwarded to the webhook (message, presence, iq)",
    default: "message,presence,iq",
    modRest: "rest_callback_stanzas",
  },
  {
    key: "callbackEvents",
    env: "XMPP_REST_CALLBACK_EVENTS",
    description:
      "Address forms forwarded: bare (user@domain), full (user@domain/res), host (domain)",
    default: "bare,full,host",
    modRest: "rest_callback_events",
  },
  {
    key: "callbackContentType",
    env: "XMPP_REST_CALLBACK_CONTENT_TYPE",
    description: "Format stanzas are POSTed in, unless the start-up OPTIONS probe chooses another",
    default: "application/xmpp+xml",
    modRest: "rest_callback_content_type",
  },
  {
    key: "callbackTimeout",
    env: "XMPP_REST_CALLBACK_TIMEOUT",
    description: "Seconds the webhook has to answer one stanza",
    default: "10",
  },
  {
    key: "callbackConcurrency",
    env: "XMPP_REST_CALLBACK_CONCURRENCY",
    description: "Webhook requests in flight at once (different conversations)",
    default: "64",
  },
  {
    key: "callbackQueue",
    env: "XMPP_REST_CALLBACK_QUEUE",
    description:
      "Stanzas that may wait for the webhook; beyond it they get wait/resource-constraint",
    default: "10000",
  },
  {
    key: "callbackSecret",
    env: "XMPP_REST_CALLBACK_SECRET",
    description: "Signs webhook requests (Standard Webhooks); may be whsec_<base64>",
  },
  {
    key: "callbackToken",
    env: "XMPP_REST_CALLBACK_TOKEN",
    description: "Sent to the webhook as Authorization: Bearer <token>",
    modRest: "rest_credentials (mod_rest sends it to the callback too)",
  },
];

export type LogLevel = "debug" | "info" | "warn" | "error";
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];
export type LogFormat = "auto" | "json" | "pretty";
export const LOG_FORMATS: readonly LogFormat[] = ["auto", "json", "pretty"];

export interface Config {
  readonly service: string;
  readonly domain: string;
  readonly secret: string;
  readonly httpHost: string;
  readonly httpPort: number;
  readonly tokens: readonly string[];
  readonly iqTimeoutMs: number;
  readonly iqMaxTimeoutMs: number;
  readonly maxPendingIq: number;
  readonly stanzaSizeLimit: number;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  readonly metrics: boolean;
  /** Undefined: GET /metrics needs no token. */
  readonly metricsToken: string | undefined;
  /** Undefined: no webhook; inbound iqs are answered service-unavailable. */
  readonly callbackUrl: string | undefined;
  readonly callbackStanzas: readonly StanzaKind[];
  readonly callbackEvents: readonly AddressForm[];
  readonly callbackContentType: MediaType;
  readonly callbackTimeoutMs: number;
  readonly callbackConcurrency: number;
  readonly callbackQueueSize: number;
  readonly callbackSecret: string | undefined;
  readonly callbackToken: string | undefined;
}

/** A configuration problem; its message is the one line the user sees. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

type RawValues = Partial<Record<string, string>>;

function readConfigFile(path: string): RawValues {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError(`cannot read config file ${path}: ${reason}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must hold a JSON object`);
  }
  const known = new Set(OPTIONS.map((o) => o.key));
  const values: RawValues = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!known.has(key)) throw new ConfigError(`config file ${path}: unknown setting "${key}"`);
    if (Array.isArray(value) && value.every((v) => typeof v === "string")) {
      values[key] = value.join(",");
    } else if (typeof value === "string" || typeof value === "number") {
      values[key] = String(value);
    } else {
      throw new ConfigError(`config file ${path}: "${key}" must be a string or a number`);
    }
  }
  return values;
}

/** Merges file and environment (environment wins) into one value per option key. */
function collect(env: NodeJS.ProcessEnv, configPath: string | undefined): RawValues {
  const path = configPath ?? env.XMPP_REST_CONFIG;
  const values: RawValues = path ? readConfigFile(path) : {};
  for (const option of OPTIONS) {
    const fromEnv = env[option.env];
    if (fromEnv !== undefined && fromEnv !== "") values[option.key] = fromEnv;
    if (values[option.key] === undefined && option.default !== undefined) {
      values[option.key] = option.default;
    }
  }
  return values;
}

export class ValueReader {
  constructor(private readonly values: RawValues) {}

  private spec(key: string): OptionSpec {
    const spec = OPTIONS.find((o) => o.key === key);
    if (!spec) throw new Error(`no option ${key}`);
    return spec;
  }

  private fail(key: string, expected: string): never {
    const spec = this.spec(key);
    const value = this.values[key];
    const shown = value === undefined ? "missing" : `"${value}" is not valid`;
    throw new ConfigError(`${spec.env} (${key}): ${shown}; expected ${expected}`);
  }

  string(key: string, expected = "a value"): string {
    const value = this.values[key];
    if (value === undefined || value.trim() === "") this.fail(key, expected);
    return value.trim();
  }

  optional(key: string): string | undefined {
    const value = this.values[key]?.trim();
    return value === "" ? undefined : value;
  }

  integer(key: string, min: number, max: number): number {
    const text = this.string(key, `a whole number from ${min} to ${max}`);
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < min || value > max) {
      this.fail(key, `a whole number from ${min} to ${max}`);
    }
    return value;
  }

  seconds(key: string, min: number, max: number): number {
    const text = this.string(key, `a number of seconds from ${min} to ${max}`);
    const value = Number(text);
    if (!Number.isFinite(value) || value < min || value > max) {
      this.fail(key, `a number of seconds from ${min} to ${max}`);
    }
    return Math.round(value * 1000);
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T {
    const value = this.string(key, `one of ${allowed.join(", ")}`);
    const match = allowed.find((a) => a === value.toLowerCase());
    if (match === undefined) this.fail(key, `one of ${allowed.join(", ")}`);
    return match;
  }

  list(key: string, expected: string): string[] {
    const items = this.string(key, expected)
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
    if (items.length === 0) this.fail(key, expected);
    return items;
  }

  invalid(key: string, expected: string): never {
    return this.fail(key, expected);
  }
}

export interface LoadOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly configPath?: string;
}

/** Loads and validates the configuration once; throws ConfigError naming the bad variable. */
export function loadConfig({ env = process.env, configPath }: LoadOptions = {}): Config {
  const read: ValueReader = new ValueReader(collect(env, configPath));

  const service = read.string("service", "xmpp://host:port");
  if (!/^xmpp:\/\/[^/\s]+:\d+$/.test(service)) read.invalid("service", "xmpp://host:port");
  const domainText = read.string("domain", "a domain name such as rest.example.org");
  const domain = normaliseJid(domainText);
  if (domain === undefined || domain.includes("@") || domain.includes("/")) {
    read.invalid("domain", "a domain name such as rest.example.org");
  }
  const tokens = read.list("tokens", "one or more comma-separated tokens");
  const iqTimeoutMs = read.seconds("iqTimeout", 0.001, 86_400);
  const iqMaxTimeoutMs = read.seconds("iqMaxTimeout", 0.001, 86_400);
  if (iqTimeoutMs > iqMaxTimeoutMs) {
    read.invalid("iqTimeout", `at most XMPP_REST_IQ_MAX_TIMEOUT (${iqMaxTimeoutMs / 1000})`);
  }

  return Object.freeze({
    service,
    domain,
    secret: read.string("secret", "the component_secret configured on the server"),
    httpHost: read.string("httpHost", "an address to listen on"),
    httpPort: read.integer("httpPort", 0, 65_535),
    tokens: Object.freeze(tokens),
    iqTimeoutMs,
    iqMaxTimeoutMs,
    maxPendingIq: read.integer("maxPendingIq", 1, 10_000_000),
    stanzaSizeLimit: read.integer("stanzaSizeLimit", 256, 64 * 1024 * 1024),
    logLevel: read.oneOf("logLevel", LOG_LEVELS),
    logFormat: read.oneOf("logFormat", LOG_FORMATS),
    metrics: read.oneOf("metrics", ["on", "off"]) === "on",
    metricsToken: read.optional("metricsToken"),
    ...readCallback(read),
  });
}

const CALLBACK_TYPES: readonly MediaType[] = [XMPP_XML, JSON_TYPE, FORM];
const ADDRESS_FORMS: readonly AddressForm[] = ["bare", "full", "host"];

function readCallback(read: ValueReader) {
  const callbackUrl = read.optional("callbackUrl");
  if (callbackUrl !== undefined) {
    let ok = false;
    try {
      // Placeholders are filled per stanza; any value will do to check the rest of the URL.
      const probe = new URL(callbackUrl.replace(/\{(kind|type|to|from)\}/g, "x"));
      ok = probe.protocol === "http:" || probe.protocol === "https:";
    } catch {}
    if (!ok) read.invalid("callbackUrl", "an http:// or https:// URL");
  }
  const kinds = read.list("callbackStanzas", "a comma-separated list of message, presence, iq");
  if (!kinds.every((k) => STANZA_KINDS.has(k))) {
    read.invalid("callbackStanzas", "a comma-separated list of message, presence, iq");
  }
  const events = read.list("callbackEvents", "a comma-separated list of bare, full, host");
  if (!events.every((e) => (ADDRESS_FORMS as readonly string[]).includes(e))) {
    read.invalid("callbackEvents", "a comma-separated list of bare, full, host");
  }
  const contentType = mediaTypeOf(read.string("callbackContentType"));
  if (contentType === undefined || !CALLBACK_TYPES.includes(contentType)) {
    read.invalid("callbackContentType", CALLBACK_TYPES.join(", "));
  }
  const callbackSecret = read.optional("callbackSecret");
  if (callbackSecret?.startsWith("whsec_")) {
    const key = callbackSecret.slice("whsec_".length);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key)) {
      read.invalid("callbackSecret", "whsec_ followed by base64, or any other string");
    }
  }
  return {
    callbackUrl,
    callbackStanzas: Object.freeze(kinds as StanzaKind[]),
    callbackEvents: Object.freeze(events as AddressForm[]),
    callbackContentType: contentType,
    callbackTimeoutMs: read.seconds("callbackTimeout", 0.001, 3_600),
    callbackConcurrency: read.integer("callbackConcurrency", 1, 100_000),
    callbackQueueSize: read.integer("callbackQueue", 0, 10_000_000),
    callbackSecret,
    callbackToken: read.optional("callbackToken"),
  };
}
