/**
 * The spec of the rooms routes (./rooms.ts): schemas and operations, validated by zod on
 * every request and published in the OpenAPI document.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { ROOM_STATUSES } from "../../../rooms/state.js";
import { HISTORY_DEFAULT_LIMIT, HISTORY_MAX_LIMIT } from "../../params.js";
import { authErrors, bearerSecurity, bodyErrors, errorResponse } from "../../schemas.js";
import { botParams, json, roomParams } from "./params.js";

/** Most messages of discussion history a join may ask for (XEP-0045 §7.2.14). */
export const MAX_JOIN_HISTORY = 100;

const Occupant = z
  .object({
    nick: z.string(),
    role: z.string().openapi({ description: "moderator, participant, visitor or none" }),
    affiliation: z.string().openapi({ description: "owner, admin, member, outcast or none" }),
    jid: z.string().optional().openapi({ description: "The real JID, where the room shows it" }),
  })
  .openapi("Occupant");

const RoomView = z
  .object({
    room: z.string(),
    nick: z.string().openapi({ description: "The bot's nick (the room may have changed it)" }),
    status: z.enum(ROOM_STATUSES).openapi({
      description:
        "offline: the XMPP link is down or the room shut down; re-joined when it is back",
    }),
    subject: z.string().nullable(),
    occupants: z.array(Occupant).openapi({ description: "By nick, the bot included" }),
    joinedAt: z.string().openapi({ description: "When the bot first joined (RFC 3339)" }),
  })
  .openapi("Room");

const JoinAnswer = RoomView.extend({
  created: z.boolean().openapi({
    description: "The bot created the room now (as an instant room, open to others)",
  }),
}).openapi("RoomJoined");

const JoinBody = z
  .object({
    nick: z.string().optional().openapi({ description: "Default: the bot's name" }),
    password: z.string().optional(),
    history: z.number().int().min(0).max(MAX_JOIN_HISTORY).optional().openapi({
      description:
        "Messages of discussion history to ask for (default 0). They reach the bot's events marked room_event.history and are not stored.",
    }),
  })
  .strict()
  .openapi("RoomJoin");

const RoomPost = z
  .object({
    body: z.string().optional().openapi({ example: "Hello, room!" }),
    replyTo: z.string().optional().openapi({
      description:
        "Reply to this message (its id): XEP-0461, with the quoted text for older clients",
    }),
  })
  .catchall(z.unknown())
  .openapi("RoomMessagePost", {
    description: "Any field of the JSON mapping; to, from and type are set by the bridge",
  });

const SubjectBody = z.object({ subject: z.string() }).strict().openapi("RoomSubject");

const StoredRoomMessage = z
  .object({
    id: z.string().openapi({ description: "For before= and after=" }),
    messageId: z.string().optional().openapi({
      description: "The message's id for edits, deletions, reactions, replies and moderation",
    }),
    time: z.string().openapi({ description: "When the bridge received it (RFC 3339)" }),
    nick: z.string(),
    from: z.string(),
    body: z.string().optional().openapi({ description: "The latest text; absent once deleted" }),
    edited: z.boolean().optional(),
    editedAt: z.string().optional(),
    deleted: z.boolean().optional(),
    deletedAt: z.string().optional(),
    replyTo: z.string().optional(),
    attachments: z
      .array(
        z.object({
          url: z.string(),
          name: z.string().optional(),
          size: z.number().int().optional(),
          mediaType: z.string().optional(),
        }),
      )
      .optional(),
    stanza: z.record(z.string(), z.unknown()).nullable().openapi({
      description: "The whole stanza in the JSON mapping",
    }),
  })
  .openapi("RoomMessage");

const RoomMessagePage = z
  .object({
    source: z.enum(["store", "archive"]).openapi({
      description:
        "store: what the bridge kept while the bot was in the room; archive: the room's MAM archive",
    }),
    messages: z.array(StoredRoomMessage).openapi({ description: "Newest first" }),
    older: z.object({ before: z.string() }).nullable(),
    newer: z.object({ after: z.string() }).nullable(),
  })
  .openapi("RoomMessagePage");

const params = roomParams;
/** The one answer to "not in this room" (README, "Rooms"): 409, not-acceptable. */
const NOT_IN_ROOM = "The bot is not in the room (not-acceptable; the text says why)";
const botErrors = {
  ...authErrors,
  404: errorResponse("No such bot"),
  409: errorResponse(NOT_IN_ROOM),
} as const;

export const joinRoute = createRoute({
  method: "put",
  path: "/rooms/{room}",
  tags: ["rooms"],
  summary: "Join a room (create it as an instant room if it does not exist)",
  description:
    "Waits for the room's answer. Idempotent: joining a room the bot is in with the same nick answers the room; another nick changes the nick. The room's refusal is the status, with the stanza error in the body.",
  security: bearerSecurity,
  request: {
    params,
    body: { required: false, content: { "application/json": { schema: JoinBody } } },
  },
  responses: {
    200: json(JoinAnswer, "In the room"),
    ...botErrors,
    ...bodyErrors,
    401: errorResponse("No bearer token, or the room needs a password (not-authorized)"),
    403: errorResponse("Token refused, or banned, or the room is members-only"),
    404: errorResponse("No such bot, room (that may not be created) or chat service"),
    409: errorResponse("The nick is taken or reserved"),
    422: errorResponse("room is not a bare JID, nick is not a valid resourcepart, ..."),
    503: errorResponse("The XMPP link is down (Retry-After), or the room is full"),
    504: errorResponse("The room did not answer in time"),
  },
});

export const leaveRoute = createRoute({
  method: "delete",
  path: "/rooms/{room}",
  tags: ["rooms"],
  summary: "Leave a room",
  security: bearerSecurity,
  request: { params },
  responses: {
    204: { description: "Left; the room is no longer re-joined" },
    ...botErrors,
    422: errorResponse("room is not a bare JID"),
  },
});

export const listRoute = createRoute({
  method: "get",
  path: "/rooms",
  tags: ["rooms"],
  summary: "The rooms the bot is in",
  security: bearerSecurity,
  request: {
    params: botParams,
    query: z.object({ access_token: z.string().optional() }),
  },
  responses: {
    200: json(z.object({ rooms: z.array(RoomView) }), "By room"),
    ...botErrors,
    422: errorResponse("The name is not a valid JID localpart"),
  },
});

export const getRoute = createRoute({
  method: "get",
  path: "/rooms/{room}",
  tags: ["rooms"],
  summary: "One room the bot is in: subject and occupants",
  security: bearerSecurity,
  request: { params, query: z.object({ access_token: z.string().optional() }) },
  responses: {
    200: json(RoomView, "The room"),
    ...botErrors,
    422: errorResponse("room is not a bare JID"),
  },
});

export const postRoute = createRoute({
  method: "post",
  path: "/rooms/{room}/messages",
  tags: ["rooms"],
  summary: "Say something in a room (a groupchat message)",
  security: bearerSecurity,
  request: {
    params,
    body: { required: true, content: { "application/json": { schema: RoomPost } } },
  },
  responses: {
    202: json(z.object({ id: z.string() }), "Handed to the XMPP server"),
    ...botErrors,
    ...bodyErrors,
    503: errorResponse("The XMPP link is down (Retry-After says when to retry)"),
  },
});

export const historyRoute = createRoute({
  method: "get",
  path: "/rooms/{room}/messages",
  tags: ["rooms"],
  summary: "What was said in the room, newest first: the store, then the room's archive",
  description:
    "Pages from the store (what the bridge kept while the bot was in the room, source: store) until it has nothing older; then `older` leads into the room's own archive (XEP-0313, source: archive) with `archive:` cursors, read backwards only. When the store has nothing for the room, the first page is the archive's newest. A room without an archive ends the paging (older: null).",
  security: bearerSecurity,
  request: {
    params,
    query: z.object({
      before: z.string().optional().openapi({
        description:
          "Older than this message id: a store id, or archive:<id> (archive: alone for its newest page)",
      }),
      after: z.string().optional().openapi({ description: "Newer than this message id" }),
      limit: z
        .string()
        .optional()
        .openapi({
          description: `Default ${HISTORY_DEFAULT_LIMIT}, above ${HISTORY_MAX_LIMIT} is clamped`,
        }),
      access_token: z.string().optional(),
    }),
  },
  responses: {
    200: json(RoomMessagePage, "A page"),
    ...botErrors,
    400: errorResponse("A bad before, after or limit"),
    422: errorResponse("room is not a bare JID"),
    503: errorResponse("An archive page while the XMPP link is down"),
    504: errorResponse("The room's archive did not answer in time"),
  },
});

export const subjectRoute = createRoute({
  method: "put",
  path: "/rooms/{room}/subject",
  tags: ["rooms"],
  summary: "Change the room's subject; waits for the room to confirm it",
  security: bearerSecurity,
  request: {
    params,
    body: { required: true, content: { "application/json": { schema: SubjectBody } } },
  },
  responses: {
    200: json(RoomView, "The room, with its new subject"),
    ...botErrors,
    ...bodyErrors,
    403: errorResponse("Token refused, or the room does not let the bot change the subject"),
    504: errorResponse("The room did not confirm in time"),
  },
});
