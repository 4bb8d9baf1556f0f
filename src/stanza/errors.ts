import xml, { type Element } from "@xmpp/xml";
import { NS } from "./ns.js";

/**
 * XMPP failures are data: one error type carries the stanza-error semantics
 * (RFC 6120 §8.3) and the HTTP status that represents it, so the HTTP layer and
 * the webhook layer translate through the same tables.
 */

/** RFC 6120 §8.3.2: the error types, one list. */
export const STANZA_ERROR_TYPE_LIST = ["auth", "cancel", "continue", "modify", "wait"] as const;
export type StanzaErrorType = (typeof STANZA_ERROR_TYPE_LIST)[number];

export interface StanzaErrorOptions {
  /** Human-readable text (RFC 6120 §8.3.2 <text/>). */
  readonly text?: string | undefined;
  /** HTTP status for this failure; derived from the condition when not given. */
  readonly status?: number | undefined;
  /** The entity that returned the error (RFC 6120 §8.3.2 `by`). */
  readonly by?: string | undefined;
  /** Seconds after which a retry may succeed (a link that is down): HTTP's Retry-After. */
  readonly retryAfter?: number | undefined;
  readonly cause?: unknown;
}

export class StanzaError extends Error {
  override readonly name = "StanzaError";
  readonly text: string | undefined;
  readonly status: number;
  readonly by: string | undefined;
  readonly retryAfter: number | undefined;

  constructor(
    readonly type: StanzaErrorType,
    readonly condition: string,
    options: StanzaErrorOptions = {},
  ) {
    const { text, status, by, retryAfter, cause } = options;
    super(text ? `${condition}: ${text}` : condition, cause === undefined ? undefined : { cause });
    this.text = text;
    this.status = status ?? httpStatusForCondition(condition);
    this.by = by;
    this.retryAfter = retryAfter;
  }

  /** Reads the <error/> child of an error stanza (RFC 6120 §8.3.2); undefined when there is none. */
  static fromElement(stanza: Element, options: { status?: number } = {}): StanzaError | undefined {
    const error = stanza.getChild("error");
    if (!error) return undefined;
    const conditionEl = error
      .getChildElements()
      .find((c) => c.attrs.xmlns === NS.stanzas && c.name !== "text");
    const type = error.attrs.type;
    const text = error.getChild("text", NS.stanzas)?.text();
    const condition = conditionEl?.name ?? "undefined-condition";
    return new StanzaError(
      type !== undefined && STANZA_ERROR_TYPES.has(type) ? (type as StanzaErrorType) : "cancel",
      condition,
      { text, by: error.attrs.by, status: options.status },
    );
  }

  /** The <error/> element for this error (RFC 6120 §8.3.2); text is used as given. */
  toElement(): Element {
    const attrs: Record<string, string> = { type: this.type };
    if (this.by !== undefined) attrs.by = this.by;
    const el = xml("error", attrs, xml(this.condition, { xmlns: NS.stanzas }));
    if (this.text !== undefined) el.append(xml("text", { xmlns: NS.stanzas }, this.text));
    return el;
  }
}

const STATUS_BY_CONDITION: Readonly<Record<string, number>> = {
  "bad-request": 400,
  conflict: 409,
  "feature-not-implemented": 501,
  forbidden: 403,
  gone: 410,
  "internal-server-error": 500,
  "item-not-found": 404,
  "jid-malformed": 400,
  "not-acceptable": 406,
  "not-allowed": 405,
  "not-authorized": 401,
  "payment-required": 402,
  "policy-violation": 403,
  "recipient-unavailable": 404,
  redirect: 302,
  // mod_rest answers 407 (Proxy Authentication Required) for these two; fetch() and other
  // clients treat a 407 as a proxy's and fail the request without showing the body, so the
  // bridge answers 403 and keeps the condition in the body (README, "Errors").
  "registration-required": 403,
  "remote-server-not-found": 502,
  "remote-server-timeout": 504,
  "resource-constraint": 503,
  "service-unavailable": 503,
  "subscription-required": 403,
  "undefined-condition": 500,
  "unexpected-request": 400,
};

/** The HTTP status an iq error reply with this condition is returned with. */
export function httpStatusForCondition(condition: string): number {
  return STATUS_BY_CONDITION[condition] ?? 500;
}

interface ErrorSpec {
  readonly type: StanzaErrorType;
  readonly condition: string;
}

const ERROR_BY_STATUS: Readonly<Record<number, ErrorSpec>> = {
  400: { type: "modify", condition: "bad-request" },
  411: { type: "modify", condition: "bad-request" },
  416: { type: "modify", condition: "bad-request" },
  422: { type: "modify", condition: "bad-request" },
  401: { type: "auth", condition: "not-authorized" },
  402: { type: "auth", condition: "payment-required" },
  403: { type: "auth", condition: "forbidden" },
  451: { type: "auth", condition: "forbidden" },
  404: { type: "cancel", condition: "item-not-found" },
  405: { type: "cancel", condition: "not-allowed" },
  406: { type: "modify", condition: "not-acceptable" },
  407: { type: "auth", condition: "registration-required" },
  408: { type: "wait", condition: "remote-server-timeout" },
  502: { type: "wait", condition: "remote-server-timeout" },
  504: { type: "wait", condition: "remote-server-timeout" },
  409: { type: "cancel", condition: "conflict" },
  412: { type: "cancel", condition: "conflict" },
  410: { type: "cancel", condition: "gone" },
  413: { type: "modify", condition: "resource-constraint" },
  414: { type: "modify", condition: "resource-constraint" },
  431: { type: "modify", condition: "resource-constraint" },
  415: { type: "cancel", condition: "feature-not-implemented" },
  501: { type: "cancel", condition: "feature-not-implemented" },
  423: { type: "wait", condition: "resource-constraint" },
  429: { type: "wait", condition: "resource-constraint" },
  500: { type: "wait", condition: "internal-server-error" },
  503: { type: "cancel", condition: "service-unavailable" },
};

/** The stanza error a webhook's HTTP status stands for (mod_rest's table). */
export function stanzaErrorForHttpStatus(status: number, text?: string): StanzaError {
  const known = ERROR_BY_STATUS[status];
  const spec: ErrorSpec =
    known ??
    (status >= 400 && status < 500
      ? { type: "modify", condition: "bad-request" }
      : status >= 500 && status < 600
        ? { type: "cancel", condition: "internal-server-error" }
        : { type: "cancel", condition: "undefined-condition" });
  return new StanzaError(spec.type, spec.condition, { text, status });
}

export const STANZA_ERROR_TYPES: ReadonlySet<string> = new Set(STANZA_ERROR_TYPE_LIST);

// ---- One constructor per fact (README, "Errors"): the condition and the HTTP status of each
// kind of refusal are decided here, once, and every module names the fact instead of
// building the error by hand.

/** A parameter or header the bridge cannot read: 400 modify/bad-request. */
export function badRequest(text: string): StanzaError {
  return new StanzaError("modify", "bad-request", { text, status: 400 });
}

/** XML or JSON that does not parse: 400 modify/not-well-formed (mod_rest's). */
export function notWellFormed(text: string): StanzaError {
  return new StanzaError("modify", "not-well-formed", { text, status: 400 });
}

/**
 * A body or a field the bridge cannot use as it is: 422 with mod_rest's condition for it
 * (bad-request by default; invalid-namespace, improper-addressing, invalid-from, invalid-xml,
 * bad-format, unsupported-stanza-type, jid-malformed, unexpected-request).
 */
export function unprocessable(text: string, condition = "bad-request"): StanzaError {
  return new StanzaError("modify", condition, { text, status: 422 });
}

/** No Bearer token (or credentials) at all, or ones nobody has: 401 auth/not-authorized. */
export function notAuthorized(text: string): StanzaError {
  return new StanzaError("auth", "not-authorized", { text, status: 401 });
}

/** A valid token (or a known caller) that may not do this: 403 auth/forbidden. */
export function forbidden(text: string): StanzaError {
  return new StanzaError("auth", "forbidden", { text, status: 403 });
}

/** No such thing: 404 cancel/item-not-found. */
export function notFound(text: string): StanzaError {
  return new StanzaError("cancel", "item-not-found", { text, status: 404 });
}

/** The thing is in a state that refuses this (already delivered, an id already waiting): 409 cancel/conflict. */
export function conflict(text: string): StanzaError {
  return new StanzaError("cancel", "conflict", { text, status: 409 });
}

/** Allowed in general, not here (a bot from the config file, a webhook bot's stream): 409 cancel/not-allowed. */
export function notAllowed(text: string): StanzaError {
  return new StanzaError("cancel", "not-allowed", { text, status: 409 });
}

/** A body larger than a limit: 413 modify/resource-constraint. */
export function tooLarge(text: string): StanzaError {
  return new StanzaError("modify", "resource-constraint", { text, status: 413 });
}

/** A Content-Type the bridge does not read: 415 cancel/bad-format (mod_rest's). */
export function unsupportedMediaType(text: string): StanzaError {
  return new StanzaError("cancel", "bad-format", { text, status: 415 });
}

/** Too much waits already (iqs, a backlog): 503 wait/resource-constraint. */
export function busy(text: string): StanzaError {
  return new StanzaError("wait", "resource-constraint", { text, status: 503 });
}

/** Too many attempts (failed logins): 429 wait/policy-violation, with when to try again. */
export function tooManyAttempts(text: string, retryAfter: number): StanzaError {
  return new StanzaError("wait", "policy-violation", { text, status: 429, retryAfter });
}

/** The XMPP side cannot be reached now; retry after `retryAfter` seconds: 503 wait/service-unavailable. */
export function unavailable(text: string, retryAfter?: number): StanzaError {
  return new StanzaError("wait", "service-unavailable", { text, status: 503, retryAfter });
}

/**
 * The default answer to a request nobody here serves (RFC 6120 §8.2.3 wants every iq get/set
 * answered): cancel/service-unavailable, 503.
 */
export function serviceUnavailable(text?: string): StanzaError {
  return new StanzaError("cancel", "service-unavailable", { text, status: 503 });
}

/** Nobody answered in time: 504 wait/remote-server-timeout. */
export function timedOut(text: string): StanzaError {
  return new StanzaError("wait", "remote-server-timeout", { text, status: 504 });
}

/** The XMPP side has no support for it (an upload service, a moderation protocol): 501 cancel/feature-not-implemented. */
export function notImplemented(text: string): StanzaError {
  return new StanzaError("cancel", "feature-not-implemented", { text, status: 501 });
}

/** The bridge's own failure: 500 wait/internal-server-error; the text never says more than it must. */
export function internalError(text = "internal error"): StanzaError {
  return new StanzaError("wait", "internal-server-error", { text, status: 500 });
}
