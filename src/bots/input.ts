import { tokenProblem } from "../access/tokens.js";
import { type MediaType, mediaTypeOf } from "../formats/negotiate.js";
import { unprocessable } from "../stanza/errors.js";
import type { BotWebhook } from "../store/bots.js";
import { CALLBACK_TYPES, isCallbackType } from "../webhook/settings.js";

/** What creates or updates a bot: the config file's entry or the body of PUT /v1/bots/{name}. */
export interface BotSettings {
  /** Undefined: keep the bot's tokens (or generate one for a new bot). */
  readonly tokens?: readonly string[] | undefined;
  /** Undefined: the bot pulls its events (SSE, WebSocket, long-poll). */
  readonly webhook?: BotWebhook | undefined;
  /** Accept room invitations by joining (README, "Rooms"); default false. */
  readonly autoJoinOnInvite?: boolean | undefined;
}

const KEYS = new Set([
  "tokens",
  "callbackUrl",
  "callbackSecret",
  "callbackToken",
  "callbackContentType",
  "autoJoinOnInvite",
]);

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value.trim() === "") {
    throw unprocessable(`"${field}" must be a non-empty string`);
  }
  return value.trim();
}

/** The same rule as XMPP_REST_CALLBACK_URL: http(s), placeholders allowed. */
export function webhookUrlProblem(url: string): string | undefined {
  try {
    const probe = new URL(url.replace(/\{(kind|type|to|from)\}/g, "x"));
    if (probe.protocol === "http:" || probe.protocol === "https:") return undefined;
  } catch {}
  return `"callbackUrl" must be an http:// or https:// URL`;
}

/**
 * Reads a bot's settings from JSON (config file entry or API body); throws a
 * 422 naming the field at fault. Unknown fields are refused so that a typo
 * (`callbackURL`) does not silently make a pulling bot.
 */
export function parseBotSettings(value: unknown): BotSettings {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw unprocessable("a bot's settings must be a JSON object");
  }
  const fields = value as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!KEYS.has(key)) {
      throw unprocessable(`unknown field "${key}"; expected ${[...KEYS].join(", ")}`);
    }
  }
  let tokens: string[] | undefined;
  if (fields.tokens !== undefined) {
    if (!Array.isArray(fields.tokens) || fields.tokens.some((t) => typeof t !== "string")) {
      throw unprocessable(`"tokens" must be an array of strings`);
    }
    tokens = fields.tokens as string[];
    for (const token of tokens) {
      const problem = tokenProblem(token);
      if (problem) throw unprocessable(`"tokens": ${problem}`);
    }
  }
  if (fields.autoJoinOnInvite !== undefined && typeof fields.autoJoinOnInvite !== "boolean") {
    throw unprocessable(`"autoJoinOnInvite" must be true or false`);
  }
  const autoJoinOnInvite = fields.autoJoinOnInvite === true ? { autoJoinOnInvite: true } : {};
  const url = optionalString(fields.callbackUrl, "callbackUrl");
  const secret = optionalString(fields.callbackSecret, "callbackSecret");
  const token = optionalString(fields.callbackToken, "callbackToken");
  const typeText = optionalString(fields.callbackContentType, "callbackContentType");
  if (url === undefined) {
    if (secret !== undefined || token !== undefined || typeText !== undefined) {
      throw unprocessable(
        `"callbackSecret", "callbackToken" and "callbackContentType" need "callbackUrl"`,
      );
    }
    return { tokens, ...autoJoinOnInvite };
  }
  const urlProblem = webhookUrlProblem(url);
  if (urlProblem) throw unprocessable(urlProblem);
  let contentType: MediaType | undefined;
  if (typeText !== undefined) {
    contentType = mediaTypeOf(typeText);
    if (!isCallbackType(contentType)) {
      throw unprocessable(`"callbackContentType" must be one of ${CALLBACK_TYPES.join(", ")}`);
    }
  }
  return { tokens, webhook: { url, secret, token, contentType }, ...autoJoinOnInvite };
}
