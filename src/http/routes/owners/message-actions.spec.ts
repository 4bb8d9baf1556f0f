/**
 * The spec of the message calls (./message-actions.ts): edit, delete, react, read, typing, a
 * moderator's retraction in a room, for each mount (a bot, an account, /v1/me). Validated by
 * zod on every request, published in the OpenAPI document.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { TYPING_STATES } from "../../../stanza/message-actions.js";
import { authErrors, bodyErrors, errorResponse } from "../../schemas.js";
import { json, RoomJid } from "../bots/params.js";
import { type Mount, paramsOf, paramsWith, unprocessableBelow } from "./mount.js";

const MessageId = z.string().openapi({
  description:
    "The message's id as the API handed it out: answered by every send, carried by every event and history entry",
  example: "5b0e2f4c-6c1d-4f0e-9a43-1d2f3e4a5b6c",
});

export const Accepted = z
  .object({ id: z.string().openapi({ description: "The message the call was about" }) })
  .openapi("MessageAction");

const MessageEdit = z.object({ body: z.string() }).strict().openapi("MessageEdit");

const MessageReactions = z
  .object({ reactions: z.array(z.string()).openapi({ example: ["👍"] }) })
  .strict()
  .openapi("MessageReactions");

const Typing = z
  .object({
    to: z.string().openapi({ description: "A JID, or a room the sender is in" }),
    state: z.enum(TYPING_STATES),
  })
  .strict()
  .openapi("Typing");

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** What every route of a mount shares: the tag, the security, the 404, 422 and 503 texts. */
function common(mount: Mount) {
  return {
    unknownMessage: errorResponse(
      `${mount.missing}, or no message with that id (never seen or sent)`,
    ),
    bodyErrors: { ...bodyErrors, ...unprocessableBelow(mount, bodyErrors[422].description) },
    down: errorResponse(mount.down),
  };
}

export const editRoute = (mount: Mount) => {
  const { unknownMessage, bodyErrors, down } = common(mount);
  return createRoute({
    method: "patch",
    path: "/messages/{id}",
    tags: ["messages"],
    summary: `Edit one of ${mount.who}'s messages (XEP-0308 correction)`,
    security: mount.security,
    request: {
      ...paramsWith(mount, { id: MessageId }),
      body: { required: true, content: { "application/json": { schema: MessageEdit } } },
    },
    responses: {
      202: json(Accepted, "The correction is handed to the XMPP server"),
      ...authErrors,
      ...bodyErrors,
      403: errorResponse(`Not ${mount.who}'s own message`),
      404: unknownMessage,
      409: errorResponse(`The message was deleted, or ${mount.who} is not in its room`),
      503: down,
    },
  });
};

export const deleteRoute = (mount: Mount) => {
  const { unknownMessage, down } = common(mount);
  return createRoute({
    method: "delete",
    path: "/messages/{id}",
    tags: ["messages"],
    summary: `Delete one of ${mount.who}'s messages (XEP-0424 retraction)`,
    security: mount.security,
    request: paramsWith(mount, { id: MessageId }),
    responses: {
      202: json(Accepted, "The retraction is handed to the XMPP server"),
      ...authErrors,
      403: errorResponse(
        `Not ${mount.who}'s own message (a moderator uses .../rooms/{room}/messages/{id})`,
      ),
      404: unknownMessage,
      409: errorResponse("Already deleted, or the room has not confirmed the message yet"),
      ...unprocessableBelow(mount),
      503: down,
    },
  });
};

export const reactRoute = (mount: Mount) => {
  const { unknownMessage, bodyErrors, down } = common(mount);
  return createRoute({
    method: "put",
    path: "/messages/{id}/reactions",
    tags: ["messages"],
    summary: `Set ${mount.who}'s reactions to a message (XEP-0444)`,
    description: `The set replaces ${mount.who}'s previous reactions to the message; [] removes them.`,
    security: mount.security,
    request: {
      ...paramsWith(mount, { id: MessageId }),
      body: { required: true, content: { "application/json": { schema: MessageReactions } } },
    },
    responses: {
      202: json(Accepted, "The reactions are handed to the XMPP server"),
      ...authErrors,
      ...bodyErrors,
      404: unknownMessage,
      409: errorResponse(
        `The room has not confirmed the message yet, or ${mount.who} is not in it`,
      ),
      503: down,
    },
  });
};

export const readRoute = (mount: Mount) => {
  const { unknownMessage, down } = common(mount);
  return createRoute({
    method: "post",
    path: "/messages/{id}/read",
    tags: ["messages"],
    summary: "Mark a message (and all before it) read (XEP-0333 displayed)",
    security: mount.security,
    request: paramsWith(mount, { id: MessageId }),
    responses: {
      202: json(Accepted, "The marker is handed to the XMPP server"),
      ...authErrors,
      404: unknownMessage,
      409: errorResponse(
        `The room has not confirmed the message yet, or ${mount.who} is not in it`,
      ),
      ...unprocessableBelow(mount),
      503: down,
    },
  });
};

export const typingRoute = (mount: Mount) => {
  const { bodyErrors, down } = common(mount);
  return createRoute({
    method: "post",
    path: "/typing",
    tags: ["messages"],
    summary: `Tell a user or a room ${mount.who} is typing (XEP-0085 chat state)`,
    security: mount.security,
    request: {
      ...paramsOf(mount),
      body: { required: true, content: { "application/json": { schema: Typing } } },
    },
    responses: {
      202: { description: "Handed to the XMPP server" },
      ...authErrors,
      ...bodyErrors,
      404: errorResponse(mount.missing),
      503: down,
    },
  });
};

export const moderateRoute = (mount: Mount) => {
  const { unknownMessage, down } = common(mount);
  return createRoute({
    method: "delete",
    path: "/rooms/{room}/messages/{id}",
    tags: ["rooms"],
    summary: "Retract another occupant's message as a moderator (XEP-0425)",
    security: mount.security,
    request: {
      ...paramsWith(mount, { room: RoomJid, id: MessageId }),
      query: z.object({
        reason: z.string().optional().openapi({ description: "Shown to the occupants" }),
      }),
    },
    responses: {
      204: { description: "The room retracted it" },
      ...authErrors,
      403: errorResponse(`${capitalised(mount.who)} is not a moderator of the room`),
      404: unknownMessage,
      409: errorResponse(
        `${capitalised(mount.who)} is not in the room, or the room has not confirmed the message yet`,
      ),
      ...unprocessableBelow(mount, "The message was not said in this room"),
      501: errorResponse("The room's server does not support moderation (XEP-0425)"),
      503: down,
      504: errorResponse("The room did not answer in time"),
    },
  });
};
