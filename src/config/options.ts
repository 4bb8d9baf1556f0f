/**
 * Every setting, described once: the CLI's --help, the README table (scripts/options-table.ts),
 * the validation and the type of each field of `Config` all come from this table, so a new
 * setting is one entry. `field` names it in `Config` where that differs from the key (the
 * value is in milliseconds, or counts something: iqTimeout -> iqTimeoutMs).
 */
import { LOG_FORMATS, LOG_LEVELS } from "../log.js";
import {
  integer,
  list,
  listOf,
  matching,
  oneOf,
  onOff,
  parsed,
  seconds,
  text,
} from "../option-types.js";
import { ADDRESS_FORMS } from "../stanza/jid.js";
import { STANZA_KIND_LIST } from "../stanza/kinds.js";
import { STORE_TLS_MODES } from "../store/types.js";
import { CALLBACK_TYPES } from "../webhook/settings.js";
import {
  accountDomains,
  callbackType,
  callbackUrl,
  componentDomain,
  corsOrigins,
  duration,
  MAX_RETRIES,
  peerUrl,
  retrySchedule,
  secretKey,
  webhookSecret,
} from "./parsers.js";
import type { OptionSpec, OptionTable } from "./spec.js";

const TABLE = [
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
    field: "iqTimeoutMs",
    type: seconds(0.001, 86_400),
    env: "XMPP_REST_IQ_TIMEOUT",
    description: "Seconds an iq waits for its reply unless the request says otherwise",
    default: "120",
  },
  {
    key: "iqMaxTimeout",
    field: "iqMaxTimeoutMs",
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
    key: "uploadService",
    type: parsed(componentDomain, "domain name", "a domain name such as upload.example.org"),
    env: "XMPP_REST_UPLOAD_SERVICE",
    description:
      "The XEP-0363 upload service bots' files are sent through; unset, the one listed in the disco#items of the server (the component domain's parent). An account's files go to its own server's",
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
    type: listOf(STANZA_KIND_LIST, "a comma-separated list of message, presence, iq"),
    env: "XMPP_REST_CALLBACK_STANZAS",
    description: "Stanza kinds forwarded to the webhook (message, presence, iq)",
    default: "message,presence,iq",
    modRest: "rest_callback_stanzas",
  },
  {
    key: "callbackEvents",
    type: listOf(ADDRESS_FORMS, "a comma-separated list of bare, full, host"),
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
    field: "callbackTimeoutMs",
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
    field: "callbackQueueSize",
    type: integer(0, 10_000_000),
    env: "XMPP_REST_CALLBACK_QUEUE",
    description:
      "Stanzas that may wait in the store for the webhook; beyond it they get wait/resource-constraint",
    default: "100000",
  },
  {
    key: "callbackRetry",
    field: "callbackRetryMs",
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
    type: text("a file path, :memory:, or a postgres:// URI", "path|URI"),
    env: "XMPP_REST_STORE",
    description:
      'Where inbound stanzas wait until delivered: a SQLite file (one process; :memory: for tests loses them on restart), or a postgres://user:password@host/db URI, which several processes share (README, "High availability")',
    default: "xmpp-rest.db",
  },
  {
    key: "storeRetention",
    field: "storeRetentionMs",
    type: parsed(
      duration(3_650),
      "duration (7d, 12h, 30m, 90s)",
      "a duration such as 7d, 12h, 30m or 90s, up to 3650d",
    ),
    env: "XMPP_REST_STORE_RETENTION",
    description: "How long delivered and dead-lettered stanzas are kept: 7d, 12h, 30m, 90s",
    default: "7d",
  },
  {
    key: "storePool",
    field: "storePoolSize",
    type: integer(1, 1_000),
    env: "XMPP_REST_STORE_POOL",
    description: "PostgreSQL: connections in each process's pool (plus one of its own per process)",
    default: "10",
  },
  {
    key: "storeStatementTimeout",
    field: "storeStatementTimeoutMs",
    type: seconds(0.1, 3_600),
    env: "XMPP_REST_STORE_STATEMENT_TIMEOUT",
    description:
      "PostgreSQL: seconds a statement may run before it is cancelled (the request gets 503)",
    default: "10",
  },
  {
    key: "storeTls",
    type: oneOf(STORE_TLS_MODES),
    env: "XMPP_REST_STORE_TLS",
    description:
      "PostgreSQL: TLS to the database: auto (as the URI's sslmode says), off, require (encrypted, certificate unchecked), verify-full",
    default: "auto",
  },
  {
    key: "storeCa",
    type: text("a PEM file", "path"),
    env: "XMPP_REST_STORE_CA",
    description:
      "PostgreSQL: CA certificate (PEM file) the database's certificate is checked against (verify-full)",
  },
  {
    key: "outboxLimit",
    type: integer(1, 100_000_000),
    env: "XMPP_REST_OUTBOX_LIMIT",
    description:
      "PostgreSQL: stanzas that may wait in the outbox for the process holding the XMPP link; beyond it requests get 503 resource-constraint",
    default: "100000",
  },
  {
    key: "peerUrl",
    type: parsed(peerUrl, "http(s) URL", "an http:// or https:// URL without a path"),
    env: "XMPP_REST_PEER_URL",
    description:
      "PostgreSQL: where the other processes reach this one's HTTP API (requests on rooms, sent messages, typing, files and commands go to the process holding the link); default http://<XMPP_REST_HTTP_HOST or the host name>:<port>",
  },
  {
    key: "secretKey",
    type: parsed(
      secretKey,
      "64 hex digits",
      "32 random bytes as 64 hex digits (openssl rand -hex 32)",
    ),
    env: "XMPP_REST_SECRET_KEY",
    description:
      "Seals the accounts' passwords and SCRAM keys in the store (AES-256-GCM); without it (or _FILE), PUT /v1/accounts is refused",
  },
  {
    key: "secretKeyFile",
    type: text("a file path", "path"),
    env: "XMPP_REST_SECRET_KEY_FILE",
    description: "A file holding XMPP_REST_SECRET_KEY (64 hex digits), instead of the variable",
  },
  {
    key: "accountDomains",
    type: parsed(
      accountDomains,
      "domain[=host:port],...",
      "comma-separated XMPP domains, each optionally =host:port",
    ),
    env: "XMPP_REST_ACCOUNT_DOMAINS",
    description:
      "XMPP domains whose users may log in with Basic on /v1/me and /rest (example.org=xmpp.internal:5222 says where to connect); unset: off",
  },
  {
    key: "sessionIdle",
    field: "sessionIdleMs",
    type: seconds(1, 86_400),
    env: "XMPP_REST_SESSION_IDLE",
    description: "Seconds a Basic login's session stays open with no request and no open stream",
    default: "300",
  },
  {
    key: "accountCaFile",
    type: text("a file path", "path"),
    env: "XMPP_REST_ACCOUNT_CA_FILE",
    description:
      "PEM file of extra CAs trusted for the accounts' XMPP servers (private servers); the system's CAs stay trusted",
  },
  {
    key: "corsOrigins",
    type: parsed(
      corsOrigins,
      "origin,...",
      "comma-separated origins such as https://chat.example.org",
    ),
    env: "XMPP_REST_CORS_ORIGINS",
    description:
      "Web origins whose pages may call the API from a browser (CORS, e.g. the web chat of examples/web-chat); unset: none",
  },
  {
    key: "dnsServers",
    type: list("comma-separated DNS servers (ip or ip:port)"),
    env: "XMPP_REST_DNS_SERVERS",
    description:
      "DNS servers asked for the accounts' SRV records (_xmpp-client._tcp, _xmpps-client._tcp); unset: the system's",
  },
] as const satisfies readonly OptionSpec[];

/** Every setting, in the order --help and the README list them, each typed as written. */
export const OPTIONS: OptionTable<typeof TABLE> = TABLE;
