/**
 * The spec of the message calls (./message-actions.ts): edit, delete, react, read, typing, a
 * moderator's retraction in a room. Validated by zod on every request, published in the
 * OpenAPI document.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { TYPING_STATES } from "../../../stanza/message-actions.js";
import { authErrors, bearerSecurity, bodyErrors, errorResponse } from "../../schemas.js";
import { BotName, json, RoomJid } from "./params.js";

const MessageId = z.string().openapi({
  description:
    "The message's id as the API handed it out: answered by every send, carried by every event and history entry",
  example: "5b0e2f4c-6c1d-4f0e-9a43-1d2f3e4a5b6c",
});
const messageParams = z.object({ name: BotName, id: MessageId });

export const Accepted = z
  .object({ id: z.string().openapi({ description: "The message the call was about" }) })
  .openapi("MessageAction");

const unknownMessage = errorResponse(
  "No such bot, or no message with that id (never seen or sent)",
);
const linkDown = errorResponse("The XMPP link is down (Retry-After says when to retry)");

export const editRoute = createRoute({
  method: "patch",
  path: "/messages/{id}",
  tags: ["messages"],
  summary: "Edit one of the bot's messages (XEP-0308 correction)",
  security: bearerSecurity,
  request: {
    params: messageParams,
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z.object({ body: z.string() }).strict().openapi("MessageEdit"),
        },
      },
    },
  },
  responses: {
    202: json(Accepted, "The correction is handed to the XMPP server"),
    ...authErrors,
    ...bodyErrors,
    403: errorResponse("Not the bot's own message"),
    404: unknownMessage,
    409: errorResponse("The message was deleted, or the bot is not in its room"),
    503: linkDown,
  },
});

export const deleteRoute = createRoute({
  method: "delete",
  path: "/messages/{id}",
  tags: ["messages"],
  summary: "Delete one of the bot's messages (XEP-0424 retraction)",
  security: bearerSecurity,
  request: { params: messageParams },
  responses: {
    202: json(Accepted, "The retraction is handed to the XMPP server"),
    ...authErrors,
    403: errorResponse(
      "Not the bot's own message (a moderator uses .../rooms/{room}/messages/{id})",
    ),
    404: unknownMessage,
    409: errorResponse("Already deleted, or the room has not confirmed the message yet"),
    503: linkDown,
  },
});

export const reactRoute = createRoute({
  method: "put",
  path: "/messages/{id}/reactions",
  tags: ["messages"],
  summary: "Set the bot's reactions to a message (XEP-0444)",
  description: "The set replaces the bot's previous reactions to the message; [] removes them.",
  security: bearerSecurity,
  request: {
    params: messageParams,
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z
            .object({
              reactions: z.array(z.string()).openapi({ example: ["👍"] }),
            })
            .strict()
            .openapi("MessageReactions"),
        },
      },
    },
  },
  responses: {
    202: json(Accepted, "The reactions are handed to the XMPP server"),
    ...authErrors,
    ...bodyErrors,
    404: unknownMessage,
    409: errorResponse("The room has not confirmed the message yet, or the bot is not in it"),
    503: linkDown,
  },
});

export const readRoute = createRoute({
  method: "post",
  path: "/messages/{id}/read",
  tags: ["messages"],
  summary: "Mark a message (and all before it) read (XEP-0333 displayed)",
  security: bearerSecurity,
  request: { params: messageParams },
  responses: {
    202: json(Accepted, "The marker is handed to the XMPP server"),
    ...authErrors,
    404: unknownMessage,
    409: errorResponse("The room has not confirmed the message yet, or the bot is not in it"),
    503: linkDown,
  },
});

export const typingRoute = createRoute({
  method: "post",
  path: "/typing",
  tags: ["messages"],
  summary: "Tell a user or a room the bot is typing (XEP-0085 chat state)",
  security: bearerSecurity,
  request: {
    params: z.object({ name: BotName }),
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z
            .object({
              to: z.string().openapi({ description: "A JID, or a room the bot is in" }),
              state: z.enum(TYPING_STATES),
            })
            .strict()
            .openapi("Typing"),
        },
      },
    },
  },
  responses: {
    202: { description: "Handed to the XMPP server" },
    ...authErrors,
    ...bodyErrors,
    404: errorResponse("No such bot"),
    503: linkDown,
  },
});

export const moderateRoute = createRoute({
  method: "delete",
  path: "/rooms/{room}/messages/{id}",
  tags: ["rooms"],
  summary: "Retract another occupant's message as a moderator (XEP-0425)",
  security: bearerSecurity,
  request: {
    params: z.object({ name: BotName, room: RoomJid, id: MessageId }),
    query: z.object({
      reason: z.string().optional().openapi({ description: "Shown to the occupants" }),
    }),
  },
  responses: {
    204: { description: "The room retracted it" },
    ...authErrors,
    403: errorResponse("The bot is not a moderator of the room"),
    404: unknownMessage,
    409: errorResponse("The bot is not in the room, or the room has not confirmed the message yet"),
    422: errorResponse("The message was not said in this room"),
    501: errorResponse("The room's server does not support moderation (XEP-0425)"),
    503: linkDown,
    504: errorResponse("The room did not answer in time"),
  },
});
