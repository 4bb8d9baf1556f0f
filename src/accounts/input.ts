/**
 * What PUT /v1/accounts/{jid} takes (README, "Accounts"), checked field by field: every
 * refusal is a 422 naming the field, and a password SASL could never carry (RFC 4013) is
 * refused here rather than failing every login later.
 */
import { parseBotSettings } from "../bots/input.js";
import { unprocessable } from "../stanza/errors.js";
import { jidToString, parseJid } from "../stanza/jid.js";
import type { BotWebhook } from "../store/bots.js";
import { isLoopback, parseServer, saslPrep } from "../xmpp/client/index.js";

/** The presence an account shows while the bridge keeps it online (RFC 6121 §4.7). */
export interface PresenceSettings {
  /** false: the account is unavailable (RFC 6121 §4.5), no presence at login. */
  readonly available?: boolean | undefined;
  readonly show?: "away" | "chat" | "dnd" | "xa" | undefined;
  readonly status?: string | undefined;
  readonly priority?: number | undefined;
}

/** How the account connects, kept (as JSON) beside its sealed credentials. */
export interface AccountSettings {
  /** `host:port`; undefined: DNS SRV, then the JID's domain on 5222. */
  readonly server?: string | undefined;
  readonly resource: string;
  readonly presence: PresenceSettings;
  /** No TLS (a loopback server only). */
  readonly plaintext?: boolean | undefined;
}

export interface AccountInput {
  readonly password: string;
  readonly settings: AccountSettings;
  readonly webhook?: BotWebhook | undefined;
}

export const DEFAULT_RESOURCE = "xmpp-rest";

const KEYS = new Set(["password", "server", "resource", "presence", "webhook", "plaintext"]);
const SHOWS = new Set(["away", "chat", "dnd", "xa"]);

/** The account a path names: a bare JID with a localpart (RFC 7622), normalised. */
export function accountJid(raw: string): string {
  const jid = parseJid(raw);
  if (!jid || jid.local === "" || jid.resource !== "") {
    throw unprocessable(
      `'${raw.slice(0, 100)}' is not a bare JID (user@domain) of an account`,
      "jid-malformed",
    );
  }
  return jidToString(jid);
}

/** A password as SASL sends it (RFC 4013); 422 naming what the profile forbids. */
export function preparedPassword(value: unknown, field = "password"): string {
  if (typeof value !== "string" || value === "") {
    throw unprocessable(`"${field}" must be a non-empty string`);
  }
  const prepared = saslPrep(value);
  if (!prepared.ok) throw unprocessable(`"${field}" cannot be used with SASL: ${prepared.problem}`);
  // The unprepared text is what the server prepares in turn (RFC 5802 §5.1).
  return value;
}

/**
 * The presence an account shows (PUT .../presence, and `presence` in PUT /v1/accounts):
 * `show` null or left out is plain available; `{"available": false}` is unavailable.
 */
export function presenceSettings(value: unknown, prefix = "presence."): PresenceSettings {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw unprocessable(`"${prefix || "body"}" must be an object with show, status, priority`);
  }
  const { show, status, priority, available, ...rest } = value as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra) {
    throw unprocessable(
      `unknown field "${prefix}${extra}"; expected available, show, status, priority`,
    );
  }
  if (available !== undefined && typeof available !== "boolean") {
    throw unprocessable(`"${prefix}available" must be true or false`);
  }
  if (available === false) {
    if (show !== undefined || priority !== undefined) {
      throw unprocessable(`"${prefix}available": false takes no show or priority`);
    }
  }
  if (show !== undefined && show !== null && (typeof show !== "string" || !SHOWS.has(show))) {
    throw unprocessable(`"${prefix}show" must be null or one of away, chat, dnd, xa`);
  }
  if (status !== undefined && status !== null && typeof status !== "string") {
    throw unprocessable(`"${prefix}status" must be a string`);
  }
  if (
    priority !== undefined &&
    (typeof priority !== "number" ||
      !Number.isInteger(priority) ||
      priority < -128 ||
      priority > 127)
  ) {
    throw unprocessable(
      `"${prefix}priority" must be a whole number from -128 to 127 (RFC 6121 §4.7.2.3)`,
    );
  }
  return {
    ...(available === false ? { available } : {}),
    ...(typeof show === "string" ? { show: show as PresenceSettings["show"] } : {}),
    ...(typeof status === "string" ? { status } : {}),
    ...(priority !== undefined ? { priority } : {}),
  };
}

/** Reads the body of PUT /v1/accounts/{jid}; throws a 422 naming the field at fault. */
export function parseAccountInput(value: unknown): AccountInput {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw unprocessable("an account's settings must be a JSON object");
  }
  const fields = value as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!KEYS.has(key)) {
      throw unprocessable(`unknown field "${key}"; expected ${[...KEYS].join(", ")}`);
    }
  }
  const password = preparedPassword(fields.password);
  let server: string | undefined;
  if (fields.server !== undefined) {
    if (typeof fields.server !== "string" || !parseServer(fields.server)) {
      throw unprocessable(`"server" must be host:port (or a host, port 5222)`);
    }
    server = fields.server.trim();
  }
  let resource = DEFAULT_RESOURCE;
  if (fields.resource !== undefined) {
    const jid =
      typeof fields.resource === "string" ? parseJid(`a@b/${fields.resource}`) : undefined;
    if (!jid || jid.resource === "") {
      throw unprocessable(`"resource" must be a valid resource (RFC 7622 §3.4)`);
    }
    resource = jid.resource;
  }
  if (fields.plaintext !== undefined && typeof fields.plaintext !== "boolean") {
    throw unprocessable(`"plaintext" must be true or false`);
  }
  const plaintext = fields.plaintext === true;
  if (plaintext && !(server && isLoopback(parseServer(server)?.host ?? ""))) {
    throw unprocessable(`"plaintext" is only allowed with a loopback "server" (127.0.0.1:port)`);
  }
  let webhook: BotWebhook | undefined;
  if (fields.webhook !== undefined && fields.webhook !== null) {
    if (typeof fields.webhook !== "object" || Array.isArray(fields.webhook)) {
      throw unprocessable(`"webhook" must be an object with callbackUrl (and callbackSecret, ...)`);
    }
    const { tokens, autoJoinOnInvite, ...hook } = fields.webhook as Record<string, unknown>;
    if (tokens !== undefined || autoJoinOnInvite !== undefined) {
      throw unprocessable(
        `"webhook" takes callbackUrl, callbackSecret, callbackToken, callbackContentType`,
      );
    }
    webhook = parseBotSettings(hook).webhook;
    if (!webhook) throw unprocessable(`"webhook.callbackUrl" is required`);
  }
  return {
    password,
    settings: {
      server,
      resource,
      presence: presenceSettings(fields.presence),
      ...(plaintext ? { plaintext } : {}),
    },
    webhook,
  };
}
