/**
 * The message calls (README, "Messages, files and commands") of a bot, an account or /v1/me:
 * edit, delete, react, read, typing, and a moderator's retraction in a room, each for the
 * subject's owner. The messages service finds the message and speaks the XEPs; these
 * handlers read the request and answer. The spec is in ./message-actions.spec.ts.
 */
import type { MessageActions } from "../../../messages/actions.js";
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
import type { Mount } from "./mount.js";

export function registerMessageActions(
  app: BridgeApp,
  messages: MessageActions,
  mount: Mount,
): void {
  app.openapi(editRoute(mount), async (c) => {
    const { id } = c.req.valid("param");
    const body = xmlText(c.req.valid("json").body, "body");
    await messages.edit(c.var.subject.owner, id, body);
    return c.json({ id }, 202);
  });

  app.openapi(deleteRoute(mount), async (c) => {
    const { id } = c.req.valid("param");
    await messages.remove(c.var.subject.owner, id);
    return c.json({ id }, 202);
  });

  app.openapi(reactRoute(mount), async (c) => {
    const { id } = c.req.valid("param");
    await messages.react(c.var.subject.owner, id, c.req.valid("json").reactions);
    return c.json({ id }, 202);
  });

  app.openapi(readRoute(mount), async (c) => {
    const { id } = c.req.valid("param");
    await messages.read(c.var.subject.owner, id);
    return c.json({ id }, 202);
  });

  app.openapi(typingRoute(mount), async (c) => {
    const { to, state } = c.req.valid("json");
    await messages.typing(c.var.subject.owner, to, state);
    return c.body(null, 202);
  });

  app.openapi(moderateRoute(mount), async (c) => {
    const { room, id } = c.req.valid("param");
    const { reason } = c.req.valid("query");
    const why = reason === undefined ? undefined : xmlText(reason, "reason");
    await messages.moderate(c.var.subject.owner, roomAddress(room), id, why);
    return c.body(null, 204);
  });
}
