/**
 * The spec of the rooms routes (./rooms.ts): schemas and operations, validated by zod on
 * every request and published in the OpenAPI document.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { ROOM_STATUSES } from "../../../rooms/state.js";
import { HISTORY_DEFAULT_LIMIT, HISTORY_MAX_LIMIT } from "../../params.js";
import { authErrors, bearerSecurity, bodyErrors, errorResponse } from "../../schemas.js";
import { json } from "../bots/params.js";
import {
  AffiliationLists,
  Ignored,
  MAX_MEMBERS,
  RoomConfigBody,
  RoomConfigSummary,
} from "../bots/room-schemas.js";
import { type Mount, paramsOf, roomParamsOf } from "./mount.js";

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
    description:
      "The bot created the room now: as an instant room (open to others), or configured as config asked",
  }),
  ignored: Ignored.optional(),
}).openapi("RoomJoined");

const RoomDetails = RoomView.extend({
  config: RoomConfigSummary.nullable().openapi({
    description: "What the room's disco#info says of its configuration; null while not in",
  }),
  affiliations: AffiliationLists.nullable().openapi({
    description: "The lists the room shows the bot (owners, admins see them); null while not in",
  }),
}).openapi("RoomDetails");

const JoinBody = z
  .object({
    nick: z.string().optional().openapi({ description: "Default: the bot's name" }),
    password: z.string().optional(),
    history: z.number().int().min(0).max(MAX_JOIN_HISTORY).optional().openapi({
      description:
        "Messages of discussion history to ask for (default 0). They reach the bot's events marked room_event.history and are not stored.",
    }),
    config: RoomConfigBody.optional().openapi({
      description:
        "A room the bot creates is configured from its owner form (XEP-0045 §10.1.3) before anyone may enter; an existing room is changed (§10.2), which needs the bot to be an owner (403)",
    }),
    members: z
      .array(z.string())
      .max(MAX_MEMBERS)
      .optional()
      .openapi({
        description: `Bare JIDs made members (§9.3) before the answer, at most ${MAX_MEMBERS}; on an existing room the bot must be an admin or owner`,
        example: ["alice@example.org", "bob@example.org"],
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

/** The one answer to "not in this room" (README, "Rooms"): 409, not-acceptable. */
const NOT_IN_ROOM = "The bot is not in the room (not-acceptable; the text says why)";
const ownerErrors = (mount: Mount) =>
  ({
    ...authErrors,
    404: errorResponse(mount.missing),
    409: errorResponse(NOT_IN_ROOM),
  }) as const;

export const joinRoute = (mount: Mount) =>
  createRoute({
    method: "put",
    path: "/rooms/{room}",
    tags: [mount.tag === "bots" ? "rooms" : mount.tag],
    summary: "Join a room (create it, with a configuration and members, if it does not exist)",
    description:
      "Waits for the room's answer, and for its configuration and members when asked. Idempotent: joining a room the bot is in with the same nick answers the room (and applies config and members again); another nick changes the nick. The room's refusal is the status, with the stanza error in the body; a bot that came in for this request and cannot set the room up leaves again.",
    security: bearerSecurity,
    request: {
      ...roomParamsOf(mount),
      body: { required: false, content: { "application/json": { schema: JoinBody } } },
    },
    responses: {
      200: json(JoinAnswer, "In the room"),
      ...ownerErrors(mount),
      ...bodyErrors,
      401: errorResponse("No bearer token, or the room needs a password (not-authorized)"),
      403: errorResponse(
        "Token refused, or banned, or the room is members-only, or config/members on a room the bot does not own",
      ),
      404: errorResponse("No such bot, room (that may not be created) or chat service"),
      409: errorResponse("The nick is taken or reserved"),
      422: errorResponse("room is not a bare JID, nick is not a valid resourcepart, ..."),
      503: errorResponse("The XMPP link is down (Retry-After), or the room is full"),
      504: errorResponse("The room did not answer in time"),
    },
  });

export const leaveRoute = (mount: Mount) =>
  createRoute({
    method: "delete",
    path: "/rooms/{room}",
    tags: [mount.tag === "bots" ? "rooms" : mount.tag],
    summary: "Leave a room, or destroy it (destroy=true, XEP-0045 §10.9)",
    description:
      "Without destroy, the bot leaves. With destroy=true, the bot (an owner) destroys the room: every occupant is told the reason and the alternate room; the bot's room list and store forget it.",
    security: bearerSecurity,
    request: {
      ...roomParamsOf(mount),
      query: z.object({
        destroy: z.enum(["true", "false"]).optional().openapi({ description: "Default false" }),
        reason: z.string().optional().openapi({ description: "With destroy: told to everyone" }),
        alternate: z.string().optional().openapi({
          description: "With destroy: a room (bare JID) to go to instead",
          example: "new-lobby@conference.example.org",
        }),
      }),
    },
    responses: {
      204: { description: "Left (no longer re-joined), or destroyed" },
      ...ownerErrors(mount),
      400: errorResponse("reason or alternate without destroy=true, or a bad destroy value"),
      403: errorResponse("Token refused, or the bot is not an owner of the room"),
      422: errorResponse("room or alternate is not a bare JID; reason with characters XML forbids"),
      503: errorResponse("The XMPP link is down (Retry-After)"),
      504: errorResponse("The room did not answer in time"),
    },
  });

export const listRoute = (mount: Mount) =>
  createRoute({
    method: "get",
    path: "/rooms",
    tags: [mount.tag === "bots" ? "rooms" : mount.tag],
    summary: "The rooms the bot is in",
    security: bearerSecurity,
    request: {
      ...paramsOf(mount),
      query: z.object({ access_token: z.string().optional() }),
    },
    responses: {
      200: json(z.object({ rooms: z.array(RoomView) }), "By room"),
      ...ownerErrors(mount),
      422: errorResponse("The name is not a valid JID localpart"),
    },
  });

export const getRoute = (mount: Mount) =>
  createRoute({
    method: "get",
    path: "/rooms/{room}",
    tags: [mount.tag === "bots" ? "rooms" : mount.tag],
    summary: "One room the bot is in: subject, occupants, configuration and affiliations",
    description:
      "The configuration summary comes from the room's disco#info (XEP-0045 §6.4), the affiliation lists from the admin protocol (§9.5, §10.5) where the room shows them to the bot (both null while the bot is not in the room now).",
    security: bearerSecurity,
    request: { ...roomParamsOf(mount), query: z.object({ access_token: z.string().optional() }) },
    responses: {
      200: json(RoomDetails, "The room"),
      ...ownerErrors(mount),
      422: errorResponse("room is not a bare JID"),
      504: errorResponse("The room did not answer in time"),
    },
  });

export const postRoute = (mount: Mount) =>
  createRoute({
    method: "post",
    path: "/rooms/{room}/messages",
    tags: [mount.tag === "bots" ? "rooms" : mount.tag],
    summary: "Say something in a room (a groupchat message)",
    security: bearerSecurity,
    request: {
      ...roomParamsOf(mount),
      body: { required: true, content: { "application/json": { schema: RoomPost } } },
    },
    responses: {
      202: json(z.object({ id: z.string() }), "Handed to the XMPP server"),
      ...ownerErrors(mount),
      ...bodyErrors,
      503: errorResponse("The XMPP link is down (Retry-After says when to retry)"),
    },
  });

export const historyRoute = (mount: Mount) =>
  createRoute({
    method: "get",
    path: "/rooms/{room}/messages",
    tags: [mount.tag === "bots" ? "rooms" : mount.tag],
    summary: "What was said in the room, newest first: the store, then the room's archive",
    description:
      "Pages from the store (what the bridge kept while the bot was in the room, source: store) until it has nothing older; then `older` leads into the room's own archive (XEP-0313, source: archive) with `archive:` cursors, read backwards only. When the store has nothing for the room, the first page is the archive's newest. A room without an archive ends the paging (older: null).",
    security: bearerSecurity,
    request: {
      ...roomParamsOf(mount),
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
      ...ownerErrors(mount),
      400: errorResponse("A bad before, after or limit"),
      422: errorResponse("room is not a bare JID"),
      503: errorResponse("An archive page while the XMPP link is down"),
      504: errorResponse("The room's archive did not answer in time"),
    },
  });

export const subjectRoute = (mount: Mount) =>
  createRoute({
    method: "put",
    path: "/rooms/{room}/subject",
    tags: [mount.tag === "bots" ? "rooms" : mount.tag],
    summary: "Change the room's subject; waits for the room to confirm it",
    security: bearerSecurity,
    request: {
      ...roomParamsOf(mount),
      body: { required: true, content: { "application/json": { schema: SubjectBody } } },
    },
    responses: {
      200: json(RoomView, "The room, with its new subject"),
      ...ownerErrors(mount),
      ...bodyErrors,
      403: errorResponse("Token refused, or the room does not let the bot change the subject"),
      504: errorResponse("The room did not confirm in time"),
    },
  });
