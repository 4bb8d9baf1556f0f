/**
 * A bot's command menu (XEP-0050 ad-hoc commands, README, "Messages, files and commands"):
 * declare it, read it, and answer a user's step in a run. The commands service speaks the
 * XEP; these handlers read the request and answer.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { FIELD_TYPES } from "../../../commands/form.js";
import type { Commands } from "../../../commands/index.js";
import { botOwner } from "../../../owner.js";
import type { BridgeApp } from "../../env.js";
import { authErrors, bearerSecurity, bodyErrors, errorResponse } from "../../schemas.js";
import { BotName, json } from "./params.js";

const Command = z
  .object({
    node: z.string().openapi({ example: "weather" }),
    name: z.string().openapi({ example: "Weather forecast" }),
  })
  .openapi("Command");

const CommandList = z.object({ commands: z.array(Command) }).openapi("CommandList");

const FormField = z
  .object({
    var: z.string().optional(),
    type: z.enum(FIELD_TYPES).optional().openapi({ description: "Default text-single" }),
    label: z.string().optional(),
    desc: z.string().optional(),
    required: z.boolean().optional(),
    value: z.union([z.string(), z.array(z.string())]).optional(),
    options: z.array(z.object({ label: z.string().optional(), value: z.string() })).optional(),
  })
  .openapi("FormField");

const CommandAnswer = z
  .object({
    status: z.enum(["completed", "executing"]).openapi({
      description: "completed: the run is over; executing: the form asks for the next step",
    }),
    note: z
      .union([
        z.string(),
        z.object({ type: z.enum(["info", "warn", "error"]).optional(), text: z.string() }),
      ])
      .optional(),
    form: z
      .object({
        type: z.enum(["form", "result"]).optional(),
        title: z.string().optional(),
        instructions: z.string().optional(),
        fields: z.array(FormField).optional(),
      })
      .optional()
      .openapi({ description: "XEP-0004: list fields show as buttons and lists" }),
    actions: z
      .array(z.enum(["next", "prev", "complete"]))
      .optional()
      .openapi({ description: "What the user may do next (executing; default [complete])" }),
  })
  .openapi("CommandAnswer");

const params = z.object({ name: BotName });
const notFoundBot = errorResponse("No such bot");

const declareRoute = createRoute({
  method: "put",
  path: "/commands",
  tags: ["commands"],
  summary: "Declare the bot's command menu (XEP-0050)",
  description:
    "Replaces the list users' clients show (disco#items on the commands node); [] removes it.",
  security: bearerSecurity,
  request: {
    params,
    body: { required: true, content: { "application/json": { schema: z.array(Command) } } },
  },
  responses: {
    200: json(CommandList, "The menu now"),
    ...authErrors,
    ...bodyErrors,
    404: notFoundBot,
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/commands",
  tags: ["commands"],
  summary: "The bot's command menu",
  security: bearerSecurity,
  request: { params },
  responses: { 200: json(CommandList, "The menu"), ...authErrors, 404: notFoundBot },
});

const answerRoute = createRoute({
  method: "post",
  path: "/commands/{sessionId}",
  tags: ["commands"],
  summary: "Answer a user's step in a command run",
  description:
    "Within XMPP_REST_IQ_TIMEOUT of the step's event; the bridge answers the user wait/remote-server-timeout itself otherwise.",
  security: bearerSecurity,
  request: {
    params: z.object({ name: BotName, sessionId: z.string() }),
    body: { required: true, content: { "application/json": { schema: CommandAnswer } } },
  },
  responses: {
    202: { description: "Sent to the user" },
    ...authErrors,
    ...bodyErrors,
    404: errorResponse("No such bot, or no such session"),
    409: errorResponse("The session is over, or no step of the user waits for an answer"),
  },
});

export function registerCommands(app: BridgeApp, commands: Commands): void {
  app.openapi(declareRoute, async (c) => {
    const list = await commands.declare(botOwner(c.var.bot.name), c.req.valid("json"));
    return c.json({ commands: list }, 200);
  });

  app.openapi(listRoute, (c) =>
    c.json({ commands: [...commands.list(botOwner(c.var.bot.name))] }, 200),
  );

  app.openapi(answerRoute, async (c) => {
    const { sessionId } = c.req.valid("param");
    await commands.answer(botOwner(c.var.bot.name), sessionId, c.req.valid("json"));
    return c.body(null, 202);
  });
}
