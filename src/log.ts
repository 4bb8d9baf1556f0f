/**
 * Logging through pino behind a small interface, so the rest of the code never
 * depends on the library. JSON lines (one object per line, for log pipelines) or
 * readable lines for a terminal; errors keep their stack and their cause chain.
 *
 * Secrets never reach a line: fields named like tokens, secrets or authorization are
 * censored at every level, and fields that hold message content (body, stanza, ...)
 * are censored above debug.
 */
import pino from "pino";

/** Levels, quietest last; a logger at one level writes it and those after it. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** json: one object a line (for pipelines); pretty: readable; auto: pretty on a terminal. */
export const LOG_FORMATS = ["auto", "json", "pretty"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose every line carries these fields too (e.g. `{ requestId }`). */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  /** auto (the default): pretty when stderr is a terminal, JSON otherwise. */
  readonly format?: LogFormat;
  /** Where each finished line goes (default: stderr). */
  readonly write?: (line: string) => void;
  /** Whether the output is a terminal, for format auto (default: stderr's). */
  readonly isTty?: boolean;
}

/** Censored at every level: credentials. Compared lower-case, without - and _. */
const SECRET_KEYS = new Set([
  "token",
  "tokens",
  "secret",
  "password",
  "authorization",
  "callbacktoken",
  "callbacksecret",
  "metricstoken",
]);
/** Censored above debug: what users wrote. */
const CONTENT_KEYS = new Set(["body", "stanza", "payload", "xml", "html", "subject"]);
const CENSORED = "[redacted]";

const keyOf = (key: string) => key.toLowerCase().replace(/[-_]/g, "");

/**
 * An error as plain data: name, message, stack, its own fields (a StanzaError's type,
 * condition, status) and its cause chain, which `String(err)` would lose.
 */
export function serializeError(err: Error, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = { name: err.name, message: err.message, stack: err.stack };
  for (const [key, value] of Object.entries(err)) {
    if (value !== undefined && !(key in out) && key !== "cause") out[key] = value;
  }
  const { cause } = err as { cause?: unknown };
  if (cause !== undefined) {
    out.cause =
      cause instanceof Error && depth < 5 ? serializeError(cause, depth + 1) : String(cause);
  }
  return out;
}

/** Makes fields safe and serialisable: errors with stack and cause, secrets censored. */
function clean(fields: LogFields, showContent: boolean, depth = 0): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const k = keyOf(key);
    if (SECRET_KEYS.has(k) || (!showContent && CONTENT_KEYS.has(k))) out[key] = CENSORED;
    else if (value instanceof Error) out[key] = serializeError(value);
    else if (depth < 2 && typeof value === "object" && value !== null && !Array.isArray(value)) {
      out[key] = clean(value as LogFields, showContent, depth + 1);
    } else out[key] = value;
  }
  return out;
}

function wrap(base: pino.Logger): Logger {
  const emit = (level: LogLevel) => (msg: string, fields?: LogFields) => {
    if (!base.isLevelEnabled(level)) return;
    if (fields) base[level](clean(fields, level === "debug"), msg);
    else base[level](msg);
  };
  return {
    debug: emit("debug"),
    info: emit("info"),
    warn: emit("warn"),
    error: emit("error"),
    child: (fields) => wrap(base.child(clean(fields, false))),
  };
}

/** pino's record fields that the pretty format shows in its own way. */
const RECORD_KEYS = new Set(["time", "level", "msg"]);

interface SerializedError {
  type?: string;
  message?: string;
  stack?: string;
  cause?: SerializedError;
  [key: string]: unknown;
}

function isSerializedError(value: unknown): value is SerializedError {
  return typeof value === "object" && value !== null && "stack" in value && "message" in value;
}

function prettyValue(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return /[\s"=]/.test(text) ? JSON.stringify(text) : text;
}

/** One JSON record as a readable line: time, level, message, key=value, then error stacks. */
export function prettyLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  let line = `${String(record.time)} ${String(record.level).toUpperCase()} ${String(record.msg ?? "")}`;
  const stacks: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (RECORD_KEYS.has(key)) continue;
    if (isSerializedError(value)) {
      line += ` ${key}=${prettyValue(value.message)}`;
      let error: SerializedError | undefined = value;
      let prefix = "";
      while (error) {
        stacks.push(`${prefix}${error.stack ?? error.message ?? ""}`.replace(/^/gm, "    "));
        error = isSerializedError(error.cause) ? error.cause : undefined;
        prefix = "caused by: ";
      }
    } else line += ` ${key}=${prettyValue(value)}`;
  }
  return `${[line, ...stacks].join("\n")}\n`;
}

/** A logger at `level`: JSON lines or readable lines, to stderr unless `write` is given. */
export function createLogger(
  level: LogLevel,
  options: LoggerOptions | ((line: string) => void) = {},
): Logger {
  const {
    format = "auto",
    write,
    isTty = process.stderr.isTTY === true,
  } = typeof options === "function" ? { write: options } : options;
  const pretty = format === "pretty" || (format === "auto" && isTty);
  const sink = write ?? ((line: string) => process.stderr.write(line));
  const stream: pino.DestinationStream = pretty
    ? { write: (line) => sink(prettyLine(line)) }
    : write
      ? { write }
      : // sync: a line written just before a crash or exit is not lost.
        pino.destination({ dest: 2, sync: true });
  const base = pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Errors are serialised by clean(), with every field and the cause as its own object.
      serializers: { err: (value: unknown) => value },
    },
    stream,
  );
  return wrap(base);
}

const noop = () => {};

/** Discards everything (tests, tools). */
export const silentLogger: Logger = {
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => silentLogger,
};
