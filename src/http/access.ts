/**
 * Who may do what, as the routes check it: an admin everything, an owner's token only what
 * is its own (README, "What a bot's token may do"). One error for each case.
 */
import type { MiddlewareHandler } from "hono";
import { actsFor, type Principal } from "../access/principal.js";
import { botName } from "../bots/names.js";
import type { Bot, BotRegistry } from "../bots/registry.js";
import { botOwner } from "../owner.js";
import { forbidden, notFound } from "../stanza/errors.js";
import type { AppEnv } from "./env.js";

export function requireAdmin(principal: Principal): void {
  if (principal.kind !== "admin") throw forbidden("this needs an admin token (XMPP_REST_TOKENS)");
}

/**
 * The bot a /v1/bots/{name} request is about: the name must be a valid localpart (422), the
 * caller an admin or that bot itself (403, before telling whether the bot exists), and the
 * bot must exist (404).
 */
export function requireBot(
  principal: Principal,
  registry: Pick<BotRegistry, "get">,
  raw: string,
): Bot {
  const name = botName(raw);
  if (!actsFor(principal, botOwner(name))) {
    throw forbidden(
      principal.kind === "bot"
        ? `this token belongs to bot "${principal.name}"`
        : "this token does not belong to a bot",
    );
  }
  const bot = registry.get(name);
  if (!bot) {
    throw notFound(`no bot "${name}"`);
  }
  return bot;
}

/** The lookup of every /v1/bots/{name}/... route, once: sets c.var.bot. */
export function botLookup(registry: Pick<BotRegistry, "get">): MiddlewareHandler<AppEnv> {
  return async function lookupBot(c, next) {
    c.set("bot", requireBot(c.var.principal, registry, c.req.param("name") ?? ""));
    await next();
  };
}
