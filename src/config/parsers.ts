/** Parsers of the settings whose check is more than a range or a list (see option-types.ts). */
import { webhookUrlProblem } from "../bots/input.js";
import { type MediaType, mediaTypeOf } from "../formats/negotiate.js";
import { normaliseJid } from "../stanza/jid.js";
import { isCallbackType } from "../webhook/settings.js";

/** Most attempts a webhook retry schedule may list. */
export const MAX_RETRIES = 100;

/** A bare domain (RFC 7622 §3.2), normalised: what the component connects as. */
export function componentDomain(textValue: string): string | undefined {
  const domain = normaliseJid(textValue);
  return domain === undefined || domain.includes("@") || domain.includes("/") ? undefined : domain;
}

/** An http(s) URL, placeholders allowed: the same rule as a bot's callbackUrl. */
export function callbackUrl(textValue: string): string | undefined {
  return webhookUrlProblem(textValue) === undefined ? textValue : undefined;
}

/** A format stanzas can be POSTed in, named by its media type or a shorthand (json). */
export function callbackType(textValue: string): MediaType | undefined {
  const type = mediaTypeOf(textValue);
  return isCallbackType(type) ? type : undefined;
}

/** Standard Webhooks secrets are whsec_<base64>; any other text is used as it is. */
export function webhookSecret(textValue: string): string | undefined {
  if (!textValue.startsWith("whsec_")) return textValue;
  return /^[A-Za-z0-9+/]+={0,2}$/.test(textValue.slice("whsec_".length)) ? textValue : undefined;
}

/** Delays between webhook attempts, in ms; `none` is the empty schedule (one attempt). */
export function retrySchedule(textValue: string): readonly number[] | undefined {
  if (textValue.toLowerCase() === "none") return Object.freeze([]);
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
  return delays.some(Number.isNaN) ? undefined : Object.freeze(delays);
}

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, "": 1_000 } as const;

function isUnit(unit: string): unit is keyof typeof UNIT_MS {
  return Object.hasOwn(UNIT_MS, unit);
}

/** A duration such as 7d, 12h, 30m, 90s or a plain number of seconds, in ms. */
export function duration(maxDays: number) {
  return (textValue: string): number | undefined => {
    const match = /^(\d+(?:\.\d+)?)\s*([dhms]?)$/i.exec(textValue);
    const unit = (match?.[2] ?? "").toLowerCase();
    if (!match || !isUnit(unit)) return undefined;
    const ms = Math.round(Number(match[1]) * UNIT_MS[unit]);
    return ms > 0 && ms <= maxDays * 86_400_000 ? ms : undefined;
  };
}

/** The base URL of a process's HTTP API (scheme, host, port; no path, query or credentials). */
export function peerUrl(textValue: string): string | undefined {
  try {
    const url = new URL(textValue);
    if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
    if (url.username || url.password || url.search || url.hash) return undefined;
    if (url.pathname !== "/" && url.pathname !== "") return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}

/** 32 bytes as 64 hex digits: the key that seals the accounts' credentials (AES-256-GCM). */
export function secretKey(textValue: string): string | undefined {
  return /^[0-9a-fA-F]{64}$/.test(textValue) ? textValue.toLowerCase() : undefined;
}

/** One XMPP domain users may log in to, and optionally where to connect for it. */
export interface AccountDomain {
  readonly domain: string;
  /** `host:port` to connect to; undefined: DNS SRV, then the domain on 5222. */
  readonly server: string | undefined;
}

/**
 * `https://chat.example.org,http://127.0.0.1:8080`: the web origins (RFC 6454: scheme, host,
 * port; no path) XMPP_REST_CORS_ORIGINS lets call the API from a browser.
 */
export function corsOrigins(textValue: string): readonly string[] | undefined {
  const origins: string[] = [];
  for (const item of textValue.split(",").map((i) => i.trim())) {
    if (item === "") continue;
    if (!/^https?:\/\/[^\s/?#]+$/.test(item)) return undefined;
    try {
      const url = new URL(item);
      origins.push(url.origin);
    } catch {
      return undefined;
    }
  }
  return origins.length === 0 ? undefined : Object.freeze(origins);
}

/** `example.org,other.net=xmpp.internal:5222`: the domains of XMPP_REST_ACCOUNT_DOMAINS. */
export function accountDomains(textValue: string): readonly AccountDomain[] | undefined {
  const entries: AccountDomain[] = [];
  for (const item of textValue.split(",").map((i) => i.trim())) {
    if (item === "") continue;
    const [name = "", server, ...rest] = item.split("=").map((p) => p.trim());
    const domain = componentDomain(name);
    if (!domain || rest.length > 0) return undefined;
    if (server !== undefined && !/^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+)(:\d{1,5})?$/.test(server)) {
      return undefined;
    }
    entries.push({ domain, server: server || undefined });
  }
  return entries.length === 0 ? undefined : Object.freeze(entries);
}
