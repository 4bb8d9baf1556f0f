/**
 * Who may do what, as the routes check it: an admin everything, an owner's token only what
 * is its own (README, "What a bot's token may do"). One error for each case.
 */
import type { MiddlewareHandler } from "hono";
import { actsFor, type Principal } from "../access/principal.js";
import type { Account } from "../accounts/index.js";
import { accountJid } from "../accounts/input.js";
import { botName } from "../bots/names.js";
import type { Bot, BotRegistry } from "../bots/registry.js";
import { botOwner, describeOwner, type Owner } from "../owner.js";
import { forbidden, notFound } from "../stanza/errors.js";
import type { AccountsApi, AppEnv, Subject } from "./env.js";

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

/** The lookup of every /v1/bots/{name}/... route, once: sets c.var.bot and c.var.subject. */
export function botLookup(registry: Pick<BotRegistry, "get">): MiddlewareHandler<AppEnv> {
  return async function lookupBot(c, next) {
    const bot = requireBot(c.var.principal, registry, c.req.param("name") ?? "");
    c.set("bot", bot);
    c.set("subject", {
      owner: botOwner(bot.name),
      webhook: bot.webhook !== undefined,
      describe: describeOwner(botOwner(bot.name)),
    });
    await next();
  };
}

export function accountSubject(account: Account): Subject {
  const owner: Owner = { kind: "account", jid: account.jid };
  return {
    owner,
    webhook: account.webhook !== undefined,
    describe: describeOwner(owner),
  };
}

/**
 * The account a /v1/accounts/{jid} request is about: a bare JID (422), the caller an admin
 * or that account itself (403, before telling whether it exists; a bot's token never), and
 * kept by the bridge (404).
 */
export function requireAccount(
  principal: Principal,
  accounts: Pick<AccountsApi, "get">,
  raw: string,
): Account {
  const jid = accountJid(raw);
  if (!actsFor(principal, { kind: "account", jid })) {
    throw forbidden(
      principal.kind === "account"
        ? `this token belongs to account ${principal.jid}`
        : principal.kind === "bot"
          ? `this token belongs to bot "${principal.name}", which cannot act for an account`
          : "this token does not belong to an account",
    );
  }
  const account = accounts.get(jid);
  if (!account) throw notFound(`no account ${jid}`);
  return account;
}

/** The lookup of every /v1/accounts/{jid}/... route: sets c.var.account and c.var.subject. */
export function accountLookup(accounts: Pick<AccountsApi, "get">): MiddlewareHandler<AppEnv> {
  return async function lookupAccount(c, next) {
    const account = requireAccount(c.var.principal, accounts, c.req.param("jid") ?? "");
    c.set("account", account);
    c.set("subject", accountSubject(account));
    await next();
  };
}

/** The lookup of /v1/me/...: the account the credentials (Basic or its token) are. */
export function meLookup(accounts: Pick<AccountsApi, "get">): MiddlewareHandler<AppEnv> {
  return async function lookupMe(c, next) {
    const principal = c.var.principal;
    if (principal.kind !== "account") {
      throw forbidden("/v1/me is for an account's own credentials (Basic, or its token)");
    }
    const account = accounts.get(principal.jid);
    if (!account) throw notFound(`no account ${principal.jid}`);
    c.set("account", account);
    c.set("subject", accountSubject(account));
    await next();
  };
}
