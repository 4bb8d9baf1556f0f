import type { Context } from "hono";
import { botName } from "../../bots/names.js";
import type { Bot, BotRegistry, Principal } from "../../bots/registry.js";
import { StanzaError } from "../../stanza/errors.js";
import type { AppEnv } from "./index.js";

export function forbidden(text: string): StanzaError {
  return new StanzaError("auth", "forbidden", { text, status: 403 });
}

export function requireAdmin(principal: Principal): void {
  if (principal.kind !== "admin") throw forbidden("this needs an admin token (XMPP_REST_TOKENS)");
}

/**
 * The bot a /v1/bots/{name}/... request is about: the name must be a valid
 * localpart (422), the caller an admin or that bot itself (403, before telling
 * whether the bot exists), and the bot must exist (404).
 */
export function requireBot(
  c: Context<AppEnv>,
  registry: Pick<BotRegistry, "get">,
  raw: string,
): Bot {
  const name = botName(raw);
  const principal = c.var.principal;
  if (principal.kind === "bot" && principal.name !== name) {
    throw forbidden(`this token belongs to bot "${principal.name}"`);
  }
  const bot = registry.get(name);
  if (!bot) {
    throw new StanzaError("cancel", "item-not-found", { text: `no bot "${name}"`, status: 404 });
  }
  return bot;
}
