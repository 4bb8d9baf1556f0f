import { readFileSync } from "node:fs";
import { z } from "zod";
import { type BotSettings, parseBotSettings } from "./bots/input.js";
import { botName } from "./bots/names.js";
import { type MediaType, mediaTypeOf } from "./formats/negotiate.js";
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from "./log.js";
import {
  integer,
  list,
  matching,
  type OptionType,
  oneOf,
  onOff,
  parsed,
  seconds,
  text,
} from "./option-types.js";
import { ADDRESS_FORMS, type AddressForm, normaliseJid } from "./stanza/jid.js";
import { STANZA_KIND_LIST, type StanzaKind } from "./stanza/kinds.js";
import { CALLBACK_TYPES, isCallbackType } from "./webhook/settings.js";

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
  /** How the text is read and checked (option-types.ts); plain text when absent. */
  readonly type?: OptionType;
}

/** Most attempts a webhook retry schedule may list. */
const MAX_RETRIES = 100;

export const OPTIONS: readonly OptionSpec[] = [
  {
    key: "service",
    type: matching(/^xmpp:\/\/[^/\s]+:\d+$/, "xmpp://host:port"),
    env: "XMPP_REST_SERVICE",
    description: "Component endpoint of the XMPP server (xmpp://host:port)",
    default: "xmpp://127.0.0.1:5347",
  },
  {
    key: "domain",
    type: parsed(componentDomain, "domain name", "a domain name such as rest.example.org"),
    env: "XMPP_REST_DOMAIN",
    description: "The component's domain, as configured on the XMPP server",
    required: true,
  },
  {
    key: "secret",
    type: text("the component_secret configured on the server"),
    env: "XMPP_REST_SECRET",
    description: "The component's shared secret (component_secret)",
    required: true,
  },
  {
    key: "httpHost",
    type: text("an address to listen on", "address"),
    env: "XMPP_REST_HTTP_HOST",
    description: "Address the HTTP API listens on",
    default: "127.0.0.1",
    modRest: "http_interfaces",
  },
  {
    key: "httpPort",
    type: integer(0, 65_535),
    env: "XMPP_REST_HTTP_PORT",
    description: "Port the HTTP API listens on",
    default: "5281",
    modRest: "http_ports",
  },
  {
    key: "tokens",
    type: list("one or more comma-separated tokens"),
    env: "XMPP_REST_TOKENS",
    description: "Comma-separated Bearer tokens allowed to use the API",
    required: true,
    modRest: "rest_credentials",
  },
  {
    key: "iqTimeout",
    type: seconds(0.001, 86_400),
    env: "XMPP_REST_IQ_TIMEOUT",
    description: "Seconds an iq waits for its reply unless the request says otherwise",
    default: "120",
  },
  {
    key: "iqMaxTimeout",
    type: seconds(0.001, 86_400),
    env: "XMPP_REST_IQ_MAX_TIMEOUT",
    description: "Upper bound for the Prosody-Rest-Timeout request header, seconds",
    default: "300",
  },
  {
    key: "maxPendingIq",
    type: integer(1, 10_000_000),
    env: "XMPP_REST_MAX_PENDING_IQ",
    description: "iqs that may wait for a reply at once; beyond it requests get 503",
    default: "10000",
  },
  {
    key: "stanzaSizeLimit",
    type: integer(256, 64 * 1024 * 1024),
    env: "XMPP_REST_STANZA_SIZE_LIMIT",
    description: "Largest request body or webhook answer accepted, bytes",
    default: "196608",
  },
  {
    key: "serverStanzaLimit",
    type: integer(1024, 1024 * 1024 * 1024),
    env: "XMPP_REST_SERVER_STANZA_LIMIT",
    description:
      "The XMPP server's stanza size limit: only stanzas smaller than this, in bytes as serialised, are sent; others get 413 (Prosody: component_stanza_size_limit, 512 KiB; ejabberd: max_stanza_size, unlimited)",
    default: "524288",
  },
  {
    key: "logLevel",
    type: oneOf(LOG_LEVELS),
    env: "XMPP_REST_LOG_LEVEL",
    description: "debug, info, warn or error",
    default: "info",
  },
  {
    key: "logFormat",
    type: oneOf(LOG_FORMATS),
    env: "XMPP_REST_LOG_FORMAT",
    description: "json (one JSON object a line), pretty (readable), or auto: pretty on a terminal",
    default: "auto",
  },
  {
    key: "metrics",
    type: onOff(),
    env: "XMPP_REST_METRICS",
    description: "on: count and serve Prometheus metrics at GET /metrics; off: count nothing",
    default: "on",
  },
  {
    key: "metricsToken",
    type: text("a token"),
    env: "XMPP_REST_METRICS_TOKEN",
    description: "Bearer token GET /metrics requires; unset, /metrics needs none",
  },
  {
    key: "callbackUrl",
    type: parsed(callbackUrl, "http(s) URL", "an http:// or https:// URL"),
    env: "XMPP_REST_CALLBACK_URL",
    description:
      "Webhook that receives inbound stanzas; {kind}, {type}, {to}, {from} are filled in, URL-encoded",
    modRest: "rest_callback_url",
  },
  {
    key: "callbackStanzas",
    type: list("a comma-separated list of message, presence, iq", STANZA_KIND_LIST),
    env: "XMPP_REST_CALLBACK_STANZAS",
    description: "Stanza kinds forwarded to the webhook (message, presence, iq)",
    default: "message,presence,iq",
    modRest: "rest_callback_stanzas",
  },
  {
    key: "callbackEvents",
    type: list("a comma-separated list of bare, full, host", ADDRESS_FORMS),
    env: "XMPP_REST_CALLBACK_EVENTS",
    description:
      "Address forms forwarded: bare (user@domain), full (user@domain/res), host (domain)",
    default: "bare,full,host",
    modRest: "rest_callback_events",
  },
  {
    key: "callbackContentType",
    type: parsed(callbackType, CALLBACK_TYPES.join("|"), CALLBACK_TYPES.join(", ")),
    env: "XMPP_REST_CALLBACK_CONTENT_TYPE",
    description: "Format stanzas are POSTed in, unless the start-up OPTIONS probe chooses another",
    default: "application/xmpp+xml",
    modRest: "rest_callback_content_type",
  },
  {
    key: "callbackTimeout",
    type: seconds(0.001, 3_600),
    env: "XMPP_REST_CALLBACK_TIMEOUT",
    description: "Seconds the webhook has to answer one stanza",
    default: "10",
  },
  {
    key: "callbackConcurrency",
    type: integer(1, 100_000),
    env: "XMPP_REST_CALLBACK_CONCURRENCY",
    description: "Webhook requests in flight at once (different conversations)",
    default: "64",
  },
  {
    key: "callbackQueue",
    type: integer(0, 10_000_000),
    env: "XMPP_REST_CALLBACK_QUEUE",
    description:
      "Stanzas that may wait in the store for the webhook; beyond it they get wait/resource-constraint",
    default: "100000",
  },
  {
    key: "callbackRetry",
    type: parsed(
      retrySchedule,
      "seconds,seconds,... or none",
      `comma-separated seconds (at most ${MAX_RETRIES}, each up to 7 days), or none`,
    ),
    env: "XMPP_REST_CALLBACK_RETRY",
    description:
      "Seconds between webhook attempts, comma-separated (±10% jitter); none: one attempt only",
    default: "5,300,1800,7200,18000,36000,36000",
  },
  {
    key: "callbackSecret",
    type: parsed(
      webhookSecret,
      "text or whsec_<base64>",
      "whsec_ followed by base64, or any other string",
    ),
    env: "XMPP_REST_CALLBACK_SECRET",
    description: "Signs webhook requests (Standard Webhooks); may be whsec_<base64>",
  },
  {
    key: "callbackToken",
    type: text("a token"),
    env: "XMPP_REST_CALLBACK_TOKEN",
    description: "Sent to the webhook as Authorization: Bearer <token>",
    modRest: "rest_credentials (mod_rest sends it to the callback too)",
  },
  {
    key: "store",
    type: text("a file path, or :memory:", "path"),
    env: "XMPP_REST_STORE",
    description:
      "SQLite file holding inbound stanzas until delivered; :memory: (tests only) loses them on restart",
    default: "xmpp-rest.db",
  },
  {
    key: "storeRetention",
    type: parsed(
      duration(3_650),
      "duration (7d, 12h, 30m, 90s)",
      "a duration such as 7d, 12h, 30m or 90s, up to 3650d",
    ),
    env: "XMPP_REST_STORE_RETENTION",
    description: "How long delivered and dead-lettered stanzas are kept: 7d, 12h, 30m, 90s",
    default: "7d",
  },
];

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
  /** Largest serialised stanza the link writes (the server closes the stream above its limit). */
  readonly serverStanzaLimit: number;
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
  /** Delays between webhook attempts, ms; empty: no retries. */
  readonly callbackRetryMs: readonly number[];
  /** Path of the SQLite file, or ":memory:". */
  readonly store: string;
  readonly storeRetentionMs: number;
  /** Bots from the config file's "bots" object, by name as written there (README, "Bots"). */
  readonly bots: Readonly<Record<string, BotSettings>>;
}

/** A configuration problem; its message is the one line the user sees. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

type RawValues = Partial<Record<string, string>>;

interface FileValues {
  readonly values: RawValues;
  readonly bots: Readonly<Record<string, BotSettings>>;
}

/** The config file's "bots" object: name -> settings, each checked like a PUT /v1/bots body. */
function readBots(path: string, value: unknown): Record<string, BotSettings> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(`config file ${path}: "bots" must be an object of name -> settings`);
  }
  const bots: Record<string, BotSettings> = {};
  for (const [name, settings] of Object.entries(value)) {
    try {
      botName(name);
      const parsed = parseBotSettings(settings);
      if (!parsed.tokens || parsed.tokens.length === 0) {
        throw new Error(`"tokens" must list at least one token`);
      }
      bots[name] = parsed;
    } catch (err) {
      const reason = err instanceof Error ? ((err as { text?: string }).text ?? err.message) : "";
      throw new ConfigError(`config file ${path}: bots.${name}: ${reason}`);
    }
  }
  return bots;
}

function readConfigFile(path: string): FileValues {
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
  let bots: Record<string, BotSettings> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (key === "bots") {
      bots = readBots(path, value);
      continue;
    }
    if (!known.has(key)) throw new ConfigError(`config file ${path}: unknown setting "${key}"`);
    if (Array.isArray(value) && value.every((v) => typeof v === "string")) {
      values[key] = value.join(",");
    } else if (typeof value === "string" || typeof value === "number") {
      values[key] = String(value);
    } else {
      throw new ConfigError(`config file ${path}: "${key}" must be a string or a number`);
    }
  }
  return { values, bots };
}

/** Merges file and environment (environment wins) into one value per option key. */
function collect(env: NodeJS.ProcessEnv, configPath: string | undefined): FileValues {
  const path = configPath ?? env.XMPP_REST_CONFIG;
  const { values, bots } = path ? readConfigFile(path) : { values: {}, bots: {} };
  for (const option of OPTIONS) {
    const fromEnv = env[option.env];
    if (fromEnv !== undefined && fromEnv !== "") values[option.key] = fromEnv;
    if (values[option.key] === undefined && option.default !== undefined) {
      values[option.key] = option.default;
    }
  }
  return { values, bots };
}

export interface LoadOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly configPath?: string;
}

/** The checked value of each setting, by key; read back with the getter of its type. */
export class OptionValues {
  constructor(private readonly values: Readonly<Record<string, unknown>>) {}

  private get(key: string, type: string): unknown {
    const value = this.values[key];
    if (value !== undefined && typeof value !== type) {
      throw new Error(`setting ${key} holds a ${typeof value}, not a ${type}`);
    }
    return value;
  }

  string(key: string): string {
    const value = this.get(key, "string");
    if (value === undefined) throw new Error(`setting ${key} has no value`);
    return value as string;
  }

  optionalString(key: string): string | undefined {
    return this.get(key, "string") as string | undefined;
  }

  number(key: string): number {
    const value = this.get(key, "number");
    if (value === undefined) throw new Error(`setting ${key} has no value`);
    return value as number;
  }

  boolean(key: string): boolean {
    return this.get(key, "boolean") === true;
  }

  numbers(key: string): number[] {
    const value = this.values[key];
    if (!Array.isArray(value)) throw new Error(`setting ${key} is not a list`);
    return value.map(Number);
  }

  strings(key: string): string[] {
    const value = this.values[key];
    if (!Array.isArray(value)) throw new Error(`setting ${key} is not a list`);
    return value.map(String);
  }
}

function failure(spec: OptionSpec, value: string | undefined, expected: string): ConfigError {
  const shown = value === undefined ? "missing" : `"${value}" is not valid`;
  return new ConfigError(`${spec.env} (${spec.key}): ${shown}; expected ${expected}`);
}

/**
 * One zod schema for every setting, generated from OPTIONS: each takes the setting's text
 * (already merged from file, environment and defaults) and gives its typed value. A setting
 * without a type is plain text. Required settings must be present and non-empty.
 */
export function optionsSchema(options: readonly OptionSpec[] = OPTIONS) {
  const shape: Record<string, z.ZodType> = {};
  for (const spec of options) {
    const type = spec.type ?? text();
    const present = z.preprocess(
      (raw: unknown) => (typeof raw === "string" ? raw.trim() : raw),
      type.schema,
    );
    shape[spec.key] = spec.required
      ? present
      : z.preprocess(
          (raw: unknown) => (typeof raw === "string" && raw.trim() === "" ? undefined : raw),
          present.optional(),
        );
  }
  return z.object(shape);
}

/** Checks every setting against the schema; the first problem (in OPTIONS order) is thrown. */
export function parseOptions(
  raw: RawValues,
  options: readonly OptionSpec[] = OPTIONS,
): OptionValues {
  const result = optionsSchema(options).safeParse(raw);
  if (result.success) return new OptionValues(result.data);
  const keys = new Set(result.error.issues.map((issue) => String(issue.path[0])));
  const spec = options.find((o) => keys.has(o.key)) ?? options[0];
  if (!spec) throw new ConfigError("no settings");
  const value = raw[spec.key]?.trim();
  throw failure(spec, value === "" ? undefined : value, (spec.type ?? text()).expected);
}

/** Loads and validates the configuration once; throws ConfigError naming the bad variable. */
export function loadConfig({ env = process.env, configPath }: LoadOptions = {}): Config {
  const { values: raw, bots } = collect(env, configPath);
  const values = parseOptions(raw);
  const iqTimeoutMs = values.number("iqTimeout");
  const iqMaxTimeoutMs = values.number("iqMaxTimeout");
  if (iqTimeoutMs > iqMaxTimeoutMs) {
    throw failure(
      specOf("iqTimeout"),
      raw.iqTimeout,
      `at most XMPP_REST_IQ_MAX_TIMEOUT (${iqMaxTimeoutMs / 1000})`,
    );
  }

  return Object.freeze({
    service: values.string("service"),
    domain: values.string("domain"),
    secret: values.string("secret"),
    httpHost: values.string("httpHost"),
    httpPort: values.number("httpPort"),
    tokens: Object.freeze(values.strings("tokens")),
    iqTimeoutMs,
    iqMaxTimeoutMs,
    maxPendingIq: values.number("maxPendingIq"),
    stanzaSizeLimit: values.number("stanzaSizeLimit"),
    serverStanzaLimit: values.number("serverStanzaLimit"),
    logLevel: values.string("logLevel") as LogLevel,
    logFormat: values.string("logFormat") as LogFormat,
    metrics: values.boolean("metrics"),
    metricsToken: values.optionalString("metricsToken"),
    callbackUrl: values.optionalString("callbackUrl"),
    callbackStanzas: Object.freeze(values.strings("callbackStanzas") as StanzaKind[]),
    callbackEvents: Object.freeze(values.strings("callbackEvents") as AddressForm[]),
    callbackContentType: values.string("callbackContentType") as MediaType,
    callbackTimeoutMs: values.number("callbackTimeout"),
    callbackConcurrency: values.number("callbackConcurrency"),
    callbackQueueSize: values.number("callbackQueue"),
    callbackSecret: values.optionalString("callbackSecret"),
    callbackToken: values.optionalString("callbackToken"),
    callbackRetryMs: Object.freeze(values.numbers("callbackRetry")),
    store: values.string("store"),
    storeRetentionMs: values.number("storeRetention"),
    bots: Object.freeze(bots),
  });
}

function specOf(key: string): OptionSpec {
  const spec = OPTIONS.find((o) => o.key === key);
  if (!spec) throw new Error(`no option ${key}`);
  return spec;
}

// ---- Parsers of the settings whose check is more than a range or a list.

/** A bare domain (RFC 7622 §3.2), normalised: what the component connects as. */
function componentDomain(textValue: string): string | undefined {
  const domain = normaliseJid(textValue);
  return domain === undefined || domain.includes("@") || domain.includes("/") ? undefined : domain;
}

function callbackUrl(textValue: string): string | undefined {
  try {
    // Placeholders are filled per stanza; any value will do to check the rest of the URL.
    const probe = new URL(textValue.replace(/\{(kind|type|to|from)\}/g, "x"));
    return probe.protocol === "http:" || probe.protocol === "https:" ? textValue : undefined;
  } catch {
    return undefined;
  }
}

function callbackType(textValue: string): MediaType | undefined {
  const type = mediaTypeOf(textValue);
  return isCallbackType(type) ? type : undefined;
}

/** Standard Webhooks secrets are whsec_<base64>; any other text is used as it is. */
function webhookSecret(textValue: string): string | undefined {
  if (!textValue.startsWith("whsec_")) return textValue;
  return /^[A-Za-z0-9+/]+={0,2}$/.test(textValue.slice("whsec_".length)) ? textValue : undefined;
}

/** Delays between webhook attempts, in ms; `none` is the empty schedule (one attempt). */
function retrySchedule(textValue: string): number[] | undefined {
  if (textValue.toLowerCase() === "none") return [];
  const items = textValue
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
  if (items.length === 0 || items.length > MAX_RETRIES) return undefined;
  const delays = items.map((item) =>
    /^\d+(\.\d+)?$/.test(item) && Number(item) <= 7 * 86_400
      ? Math.round(Number(item) * 1000)
      : Number.NaN,
  );
  return delays.some(Number.isNaN) ? undefined : delays;
}

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, "": 1_000 } as const;

/** A duration such as 7d, 12h, 30m, 90s or a plain number of seconds, in ms. */
function duration(maxDays: number) {
  return (textValue: string): number | undefined => {
    const match = /^(\d+(?:\.\d+)?)\s*([dhms]?)$/i.exec(textValue);
    if (!match) return undefined;
    const unit = (match[2] ?? "").toLowerCase() as keyof typeof UNIT_MS;
    const ms = Math.round(Number(match[1]) * UNIT_MS[unit]);
    return ms > 0 && ms <= maxDays * 86_400_000 ? ms : undefined;
  };
}
