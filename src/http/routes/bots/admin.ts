/**
 * The admin API for bots: PUT (create or update), GET, list, DELETE. A bot's own
 * token may read its own entry; everything else here needs an admin token.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { parseBotSettings } from "../../../bots/input.js";
import { botName } from "../../../bots/names.js";
import type { Bot } from "../../../bots/registry.js";
import { botOwner, ownerId } from "../../../owner.js";
import type { Consumers } from "../../../stream/consumers.js";
import { requireAdmin, requireBot } from "../../access.js";
import type { BridgeApp, RouteDeps } from "../../env.js";
import { authErrors, bearerSecurity, bodyErrors, errorResponse } from "../../schemas.js";
import { json, botParams as params } from "./params.js";

const BotSettingsBody = z
  .object({
    tokens: z.array(z.string()).optional().openapi({
      description:
        "The bot's tokens (16-512 printable ASCII characters each). Left out: a new bot gets a generated one, an existing bot keeps its tokens",
    }),
    callbackUrl: z.string().optional().openapi({
      description:
        "The bot's webhook, as XMPP_REST_CALLBACK_URL ({kind}, {type}, {to}, {from}). Left out: the bot pulls its events",
      example: "http://127.0.0.1:5000/xmpp/{kind}",
    }),
    callbackSecret: z.string().optional().openapi({ description: "Signs the webhook requests" }),
    callbackToken: z.string().optional().openapi({ description: "Sent to the webhook as Bearer" }),
    callbackContentType: z.string().optional().openapi({ example: "application/json" }),
    autoJoinOnInvite: z.boolean().optional().openapi({
      description:
        "Accept room invitations (XEP-0045 mediated, XEP-0249 direct) by joining the room; default false",
    }),
  })
  .strict()
  .openapi("BotSettings");

export const BotView = z
  .object({
    name: z.string(),
    address: z.string().openapi({ example: "support@rest.example.org" }),
    source: z.enum(["config", "api"]).openapi({
      description: "config: defined in the config file (read-only here); api: made at run time",
    }),
    receives: z.enum(["webhook", "pull"]),
    callbackUrl: z.string().nullable(),
    callbackContentType: z.string().nullable(),
    callbackSecretSet: z.boolean(),
    callbackTokenSet: z.boolean(),
    autoJoinOnInvite: z.boolean(),
    tokens: z.number().int().openapi({ description: "How many tokens the bot has (never shown)" }),
    consumers: z.number().int().openapi({ description: "Stream consumers connected now" }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Bot");

const BotCreated = BotView.extend({
  token: z.string().optional().openapi({
    description: "Only when the bridge generated it: shown this once, stored hashed",
  }),
}).openapi("BotWithToken");

/** A bot as the API shows it: settings without secrets, never a token. */
export function botJson(bot: Bot, consumers: Pick<Consumers, "countFor">): z.infer<typeof BotView> {
  return {
    name: bot.name,
    address: bot.address,
    source: bot.source,
    receives: bot.webhook ? "webhook" : "pull",
    callbackUrl: bot.webhook?.url ?? null,
    callbackContentType: bot.webhook?.contentType ?? null,
    callbackSecretSet: bot.webhook?.secret !== undefined,
    callbackTokenSet: bot.webhook?.token !== undefined,
    autoJoinOnInvite: bot.autoJoinOnInvite,
    tokens: bot.tokenCount,
    consumers: consumers.countFor(ownerId(botOwner(bot.name))),
    createdAt: new Date(bot.createdAt).toISOString(),
    updatedAt: new Date(bot.updatedAt).toISOString(),
  };
}

const notAllowed = errorResponse("The bot is defined in the config file (change it there)");
const badName = errorResponse("The name is not a valid JID localpart; the text says why");

const listBots = createRoute({
  method: "get",
  path: "/v1/bots",
  tags: ["bots"],
  summary: "List the bots (admin)",
  security: bearerSecurity,
  responses: {
    200: json(z.object({ bots: z.array(BotView) }), "Every bot, by name"),
    ...authErrors,
  },
});

const putBot = createRoute({
  method: "put",
  path: "/v1/bots/{name}",
  tags: ["bots"],
  summary: "Create or update a bot (admin)",
  description:
    "Answers the bot, with a generated token when a new bot was given none. Bots made here live in the store and survive restarts.",
  security: bearerSecurity,
  request: {
    params,
    body: { required: true, content: { "application/json": { schema: BotSettingsBody } } },
  },
  responses: {
    200: json(BotCreated, "Updated"),
    201: json(BotCreated, "Created"),
    ...authErrors,
    ...bodyErrors,
    409: notAllowed,
  },
});

const getBot = createRoute({
  method: "get",
  path: "/v1/bots/{name}",
  tags: ["bots"],
  summary: "Read a bot (admin, or the bot's own token)",
  security: bearerSecurity,
  request: { params },
  responses: {
    200: json(BotView, "The bot"),
    ...authErrors,
    404: errorResponse("No such bot"),
    422: badName,
  },
});

const deleteBot = createRoute({
  method: "delete",
  path: "/v1/bots/{name}",
  tags: ["bots"],
  summary: "Delete a bot with its events and history (admin)",
  security: bearerSecurity,
  request: { params },
  responses: {
    204: { description: "Deleted; its open streams are closed with a reason" },
    ...authErrors,
    404: errorResponse("No such bot"),
    409: notAllowed,
    422: badName,
  },
});

/** The bots themselves: list, create or update, read, delete. */
export function registerBotAdmin(
  app: BridgeApp,
  { registry, consumers }: Pick<RouteDeps, "registry" | "consumers">,
): void {
  app.openapi(listBots, (c) => {
    requireAdmin(c.var.principal);
    return c.json({ bots: registry.list().map((bot) => botJson(bot, consumers)) }, 200);
  });

  app.openapi(putBot, async (c) => {
    requireAdmin(c.var.principal);
    const name = botName(c.req.valid("param").name);
    const settings = parseBotSettings(c.req.valid("json"));
    const { bot, created, token } = await registry.put(name, settings);
    // A bot that now has a webhook no longer pulls: its open streams end, saying why.
    if (bot.webhook)
      consumers.closeAll("the bot now receives by webhook", ownerId(botOwner(bot.name)));
    const body = { ...botJson(bot, consumers), ...(token ? { token } : {}) };
    return created ? c.json(body, 201) : c.json(body, 200);
  });

  app.openapi(getBot, (c) => {
    const bot = requireBot(c.var.principal, registry, c.req.valid("param").name);
    return c.json(botJson(bot, consumers), 200);
  });

  app.openapi(deleteBot, async (c) => {
    requireAdmin(c.var.principal);
    const bot = requireBot(c.var.principal, registry, c.req.valid("param").name);
    await registry.delete(bot.name);
    consumers.closeAll("the bot was deleted", ownerId(botOwner(bot.name)));
    return c.body(null, 204);
  });
}
