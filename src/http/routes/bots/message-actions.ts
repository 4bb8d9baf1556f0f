/**
 * The message calls (README, "Messages, files and commands"): edit, delete, react, read,
 * typing, and a moderator's retraction in a room. The messages service finds the message
 * and speaks the XEPs; these handlers read the request and answer. The spec is in
 * ./message-actions.spec.ts.
 */
import type { MessageActions } from "../../../messages/actions.js";
import { botOwner } from "../../../owner.js";
import { roomAddress, xmlText } from "../../../rooms/address.js";
import type { BridgeApp } from "../../env.js";
import {
  deleteRoute,
  editRoute,
  moderateRoute,
  reactRoute,
  readRoute,
  typingRoute,
} from "./message-actions.spec.js";

export function registerMessageActions(app: BridgeApp, messages: MessageActions): void {
  app.openapi(editRoute, async (c) => {
    const { id } = c.req.valid("param");
    const body = xmlText(c.req.valid("json").body, "body");
    await messages.edit(botOwner(c.var.bot.name), id, body);
    return c.json({ id }, 202);
  });

  app.openapi(deleteRoute, async (c) => {
    const { id } = c.req.valid("param");
    await messages.remove(botOwner(c.var.bot.name), id);
    return c.json({ id }, 202);
  });

  app.openapi(reactRoute, async (c) => {
    const { id } = c.req.valid("param");
    await messages.react(botOwner(c.var.bot.name), id, c.req.valid("json").reactions);
    return c.json({ id }, 202);
  });

  app.openapi(readRoute, async (c) => {
    const { id } = c.req.valid("param");
    await messages.read(botOwner(c.var.bot.name), id);
    return c.json({ id }, 202);
  });

  app.openapi(typingRoute, async (c) => {
    const { to, state } = c.req.valid("json");
    await messages.typing(botOwner(c.var.bot.name), to, state);
    return c.body(null, 202);
  });

  app.openapi(moderateRoute, async (c) => {
    const { room, id } = c.req.valid("param");
    const { reason } = c.req.valid("query");
    const why = reason === undefined ? undefined : xmlText(reason, "reason");
    await messages.moderate(botOwner(c.var.bot.name), roomAddress(room), id, why);
    return c.body(null, 204);
  });
}
