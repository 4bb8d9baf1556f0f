/**
 * Rooms (XEP-0045) for bots: join, leave, list, post, subject, and what was said
 * while the bot was there (README, "Rooms"). `{room}` is the room's bare JID.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { jsonToStanza } from "../../formats/json/index.js";
import { botOwner, ownerId } from "../../owner.js";
import { nickName, roomAddress, xmlText } from "../../rooms/address.js";
import { createRoomArchive } from "../../rooms/archive.js";
import {
  ARCHIVE_TIMEOUT_MS,
  archiveBefore,
  archiveCursorBefore,
  archiveHistoryPage,
} from "../../rooms/history.js";
import { ROOM_RESOURCE, type RoomView as Room } from "../../rooms/index.js";
import { StanzaError } from "../../stanza/errors.js";
import type { RoomMessage, RoomMessagePage as StoredPage } from "../../store/rooms.js";
import { parseAfter } from "../../stream/position.js";
import { linkDownError } from "../../xmpp/link.js";
import { authErrors, bearerSecurity, bodyErrors, errorResponse } from "../schemas.js";
import { requireBot } from "./access.js";
import { BotName } from "./bots.js";
import type { BridgeApp, RouteDeps } from "./index.js";
import {
  HISTORY_DEFAULT_LIMIT,
  HISTORY_MAX_LIMIT,
  historyLimit,
  storedStanzaJson,
} from "./messages.js";

/** Most messages of discussion history a join may ask for (XEP-0045 §7.2.14). */
export const MAX_JOIN_HISTORY = 100;

const RoomJid = z.string().openapi({
  description: "The room's bare JID (room@service)",
  example: "lobby@conference.example.org",
});

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
    status: z.enum(["joining", "joined", "offline"]).openapi({
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
  .object({ body: z.string().optional().openapi({ example: "Hello, room!" }) })
  .catchall(z.unknown())
  .openapi("RoomMessagePost", {
    description: "Any field of the JSON mapping; to, from and type are set by the bridge",
  });

const SubjectBody = z.object({ subject: z.string() }).strict().openapi("RoomSubject");

const StoredRoomMessage = z
  .object({
    id: z.string().openapi({ description: "For before= and after=" }),
    time: z.string().openapi({ description: "When the bridge received it (RFC 3339)" }),
    nick: z.string(),
    from: z.string(),
    body: z.string(),
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

const params = z.object({ name: BotName, room: RoomJid });
const json = (schema: z.ZodType, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
const botErrors = {
  ...authErrors,
  404: errorResponse("No such bot, or the bot is not in that room"),
} as const;

const joinRoute = createRoute({
  method: "put",
  path: "/v1/bots/{name}/rooms/{room}",
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

const leaveRoute = createRoute({
  method: "delete",
  path: "/v1/bots/{name}/rooms/{room}",
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

const listRoute = createRoute({
  method: "get",
  path: "/v1/bots/{name}/rooms",
  tags: ["rooms"],
  summary: "The rooms the bot is in",
  security: bearerSecurity,
  request: {
    params: z.object({ name: BotName }),
    query: z.object({ access_token: z.string().optional() }),
  },
  responses: {
    200: json(z.object({ rooms: z.array(RoomView) }), "By room"),
    ...botErrors,
    422: errorResponse("The name is not a valid JID localpart"),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/bots/{name}/rooms/{room}",
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

const postRoute = createRoute({
  method: "post",
  path: "/v1/bots/{name}/rooms/{room}/messages",
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
    409: errorResponse("The bot is not in the room (the text says why)"),
    503: errorResponse("The XMPP link is down (Retry-After says when to retry)"),
  },
});

const historyRoute = createRoute({
  method: "get",
  path: "/v1/bots/{name}/rooms/{room}/messages",
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

const subjectRoute = createRoute({
  method: "put",
  path: "/v1/bots/{name}/rooms/{room}/subject",
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
    409: errorResponse("The bot is not in the room"),
    504: errorResponse("The room did not confirm in time"),
  },
});

/** A room in the answer's shape: times in RFC 3339 (the store and the rooms keep milliseconds). */
function roomJson(room: Room): z.infer<typeof RoomView> {
  return {
    ...room,
    occupants: [...room.occupants],
    joinedAt: new Date(room.joinedAt).toISOString(),
  };
}

function storedMessageJson(message: RoomMessage): z.infer<typeof StoredRoomMessage> {
  const { id, nick, from, body } = message;
  const time = new Date(message.time).toISOString();
  return { id, time, nick, from, body, stanza: storedStanzaJson(message.stanza) };
}

/**
 * A page of room messages from the store, in the answer's shape (`source: "store"`). Where
 * the store has nothing older, `older` leads into the room's archive, right before the
 * oldest message on the page (by the archive id the room stamped on it).
 */
function storedPageJson(page: StoredPage, room: string): z.infer<typeof RoomMessagePage> {
  const newest = page.messages[0];
  const oldest = page.messages[page.messages.length - 1];
  return {
    source: "store",
    messages: page.messages.map(storedMessageJson),
    older:
      page.hasOlder && oldest
        ? { before: oldest.id }
        : { before: archiveCursorBefore(oldest?.stanza, room) },
    newer: page.hasNewer && newest ? { after: newest.id } : null,
  };
}

const notInRoom = (bot: string, room: string) =>
  new StanzaError("cancel", "item-not-found", {
    text: `bot "${bot}" is not in ${room}`,
    status: 404,
  });

/** Fields of the JSON mapping the bridge sets itself on a room message. */
const SET_BY_BRIDGE = ["to", "from", "type"] as const;

export function registerRooms(
  app: BridgeApp,
  deps: Pick<RouteDeps, "bots" | "store" | "link" | "iqs" | "config"> & {
    rooms: NonNullable<RouteDeps["rooms"]>;
  },
): void {
  const { bots, rooms, store, link, iqs, config } = deps;
  const archive = createRoomArchive({
    link,
    iqs,
    timeoutMs: Math.min(config.iqTimeoutMs, ARCHIVE_TIMEOUT_MS),
  });

  /** The archive's page, on the bot's room address (the one members-only rooms know). */
  const archivePage = (bot: string, room: string, before: string, limit: number) => {
    if (link.state !== "online") throw linkDownError(link.retryAfterSeconds());
    const from = `${bot}@${config.domain}/${ROOM_RESOURCE}`;
    return archiveHistoryPage(archive, { from, room, before, limit });
  };

  app.openapi(joinRoute, async (c) => {
    const bot = requireBot(c, bots.registry, c.req.valid("param").name);
    const room = roomAddress(c.req.valid("param").room);
    const body = c.req.valid("json") ?? {};
    const nick = nickName(body.nick ?? bot.name);
    const password = body.password === undefined ? undefined : xmlText(body.password, "password");
    const { room: view, created } = await rooms.join(bot.name, room, {
      nick,
      password,
      history: body.history,
    });
    return c.json({ ...roomJson(view), created }, 200);
  });

  app.openapi(leaveRoute, async (c) => {
    const bot = requireBot(c, bots.registry, c.req.valid("param").name);
    const room = roomAddress(c.req.valid("param").room);
    if (!(await rooms.leave(bot.name, room))) throw notInRoom(bot.name, room);
    return c.body(null, 204);
  });

  app.openapi(listRoute, (c) => {
    const bot = requireBot(c, bots.registry, c.req.valid("param").name);
    const list = rooms.list(bot.name).map(roomJson);
    return c.json({ rooms: list }, 200);
  });

  app.openapi(getRoute, (c) => {
    const bot = requireBot(c, bots.registry, c.req.valid("param").name);
    const room = roomAddress(c.req.valid("param").room);
    const view = rooms.get(bot.name, room);
    if (!view) throw notInRoom(bot.name, room);
    return c.json(roomJson(view), 200);
  });

  app.openapi(postRoute, async (c) => {
    const bot = requireBot(c, bots.registry, c.req.valid("param").name);
    const room = roomAddress(c.req.valid("param").room);
    const fields = c.req.valid("json") as Record<string, unknown>;
    for (const name of SET_BY_BRIDGE) {
      if (fields[name] !== undefined && !(name === "type" && fields[name] === "groupchat")) {
        throw new StanzaError("modify", "bad-request", {
          text: `"${name}" is set by the bridge for a room message (to the room, from the bot, groupchat)`,
          status: 422,
        });
      }
    }
    if (fields.kind !== undefined && fields.kind !== "message") {
      throw new StanzaError("modify", "bad-request", {
        text: `"kind" must be message here`,
        status: 422,
      });
    }
    if (typeof fields.body === "string") xmlText(fields.body, "body");
    const stanza = jsonToStanza({ ...fields, kind: "message", type: "groupchat", to: room });
    stanza.attrs.id ??= crypto.randomUUID();
    if (link.state !== "online") throw linkDownError(link.retryAfterSeconds());
    await rooms.post(bot.name, room, stanza);
    return c.json({ id: stanza.attrs.id ?? "" }, 202);
  });

  app.openapi(historyRoute, async (c) => {
    const bot = requireBot(c, bots.registry, c.req.valid("param").name);
    const room = roomAddress(c.req.valid("param").room);
    const query = c.req.valid("query");
    const limit = historyLimit(query.limit);
    const fromArchive = archiveBefore(query.before);
    if (fromArchive !== undefined) {
      if (query.after !== undefined) {
        throw new StanzaError("modify", "bad-request", {
          text: "an archive page is read backwards only: before=archive:... takes no after",
          status: 400,
        });
      }
      return c.json(await archivePage(bot.name, room, fromArchive, limit), 200);
    }
    const before = parseAfter(query.before, "before");
    const after = parseAfter(query.after, "after");
    const owner = ownerId(botOwner(bot.name));
    const page = await store.pageRoomMessages(owner, room, { before, after, limit });
    if (page.messages.length === 0 && before === undefined && after === undefined) {
      // Nothing kept yet (the bot just joined): what the room said before is the first page.
      // The store's empty page stays the answer when the archive cannot give one now.
      try {
        return c.json(await archivePage(bot.name, room, "", limit), 200);
      } catch {}
    }
    return c.json(storedPageJson(page, room), 200);
  });

  app.openapi(subjectRoute, async (c) => {
    const bot = requireBot(c, bots.registry, c.req.valid("param").name);
    const room = roomAddress(c.req.valid("param").room);
    const subject = xmlText(c.req.valid("json").subject, "subject");
    const view = await rooms.setSubject(bot.name, room, subject);
    return c.json(roomJson(view), 200);
  });
}
