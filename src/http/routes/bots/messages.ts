/**
 * A bot's history (GET /v1/bots/{name}/messages, paged newest first) and the
 * simple way to send as a bot (POST: a chat message from the JSON mapping).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { jsonToStanza } from "../../../formats/json/index.js";
import { storedMessageEvent, storedStanzaJson } from "../../../formats/json/stored.js";
import { botOwner, ownerId } from "../../../owner.js";
import { badRequest, unprocessable } from "../../../stanza/errors.js";
import { bareJid, jidToString, parseJid } from "../../../stanza/jid.js";
import { DIRECTIONS, type HistoryEntry } from "../../../store/history.js";
import type { BridgeApp, RouteDeps } from "../../env.js";
import {
  HISTORY_DEFAULT_LIMIT,
  HISTORY_MAX_LIMIT,
  historyLimit,
  parseAfter,
} from "../../params.js";
import { authErrors, bearerSecurity, bodyErrors, errorResponse } from "../../schemas.js";
import { optionalId, botParams as params } from "./params.js";

export const Attachment = z
  .object({
    url: z.string(),
    name: z.string().optional(),
    size: z.number().int().optional().openapi({ description: "Bytes" }),
    mediaType: z.string().optional(),
  })
  .openapi("Attachment");

const HistoryMessage = z
  .object({
    id: z.string().openapi({ description: "History id, for before= and after=" }),
    messageId: z.string().optional().openapi({
      description: "The message's id for edits, deletions, reactions, replies and read markers",
    }),
    time: z.string().openapi({ description: "RFC 3339" }),
    direction: z.enum(DIRECTIONS),
    from: z.string(),
    to: z.string(),
    type: z.string(),
    body: z.string().optional().openapi({ description: "The latest text; absent once deleted" }),
    edited: z.boolean().optional(),
    editedAt: z.string().optional().openapi({ description: "When it was last edited (RFC 3339)" }),
    deleted: z.boolean().optional(),
    deletedAt: z.string().optional().openapi({ description: "When it was deleted (RFC 3339)" }),
    replyTo: z.string().optional().openapi({ description: "The message it replies to" }),
    attachments: z.array(Attachment).optional(),
    stanza: z.record(z.string(), z.unknown()).nullable().openapi({
      description: "The whole stanza in the JSON mapping, as first received or sent",
    }),
  })
  .openapi("HistoryMessage");

const HistoryPage = z
  .object({
    messages: z.array(HistoryMessage).openapi({ description: "Newest first" }),
    older: z
      .object({ before: z.string() })
      .nullable()
      .openapi({ description: "The query for the next older page; null when there is none" }),
    newer: z
      .object({ after: z.string() })
      .nullable()
      .openapi({ description: "The query for the next newer page; null when there is none" }),
  })
  .openapi("HistoryPage");

const SendBody = z
  .object({
    to: z.string().openapi({ example: "alice@example.org" }),
    body: z.string().optional().openapi({ example: "Hello!" }),
    type: z.string().optional().openapi({ description: "Default chat" }),
    replyTo: z.string().optional().openapi({
      description:
        "Reply to this message (its id): XEP-0461, with the quoted text for older clients",
    }),
  })
  .catchall(z.unknown())
  .openapi("BotMessage", {
    description: "Any field of the JSON mapping; kind is message, from is the bot",
  });

function messageJson(entry: HistoryEntry): z.infer<typeof HistoryMessage> {
  const { id, messageId, direction, from, to, type, body, editedAt, deletedAt } = entry;
  // The store keeps milliseconds; the answer says RFC 3339.
  const iso = (ms: number) => new Date(ms).toISOString();
  const typed = storedMessageEvent(entry.stanza);
  return {
    id,
    ...(messageId === undefined ? {} : { messageId }),
    time: iso(entry.time),
    direction,
    from,
    to,
    type,
    ...(deletedAt === undefined ? { body } : { deleted: true, deletedAt: iso(deletedAt) }),
    ...(editedAt === undefined ? {} : { edited: true, editedAt: iso(editedAt) }),
    ...(typed?.replyTo === undefined ? {} : { replyTo: typed.replyTo }),
    ...(typed?.attachments === undefined || deletedAt !== undefined
      ? {}
      : { attachments: typed.attachments }),
    stanza: storedStanzaJson(entry.stanza) as Record<string, unknown> | null,
  };
}

const historyRoute = createRoute({
  method: "get",
  path: "/messages",
  tags: ["bots"],
  summary: "A bot's message history, newest first",
  description:
    "Messages with a body the bot sent and received, kept for XMPP_REST_STORE_RETENTION. before= pages back, after= pages forward; each answer names the next queries.",
  security: bearerSecurity,
  request: {
    params,
    query: z.object({
      with: z.string().optional().openapi({ description: "Only with this JID (bare)" }),
      before: z.string().optional().openapi({ description: "Older than this history id" }),
      after: z.string().optional().openapi({ description: "Newer than this history id" }),
      limit: z
        .string()
        .optional()
        .openapi({
          description: `Default ${HISTORY_DEFAULT_LIMIT}, above ${HISTORY_MAX_LIMIT} is clamped`,
        }),
      access_token: z.string().optional().openapi({ description: "The token, for browsers" }),
    }),
  },
  responses: {
    200: { description: "A page", content: { "application/json": { schema: HistoryPage } } },
    ...authErrors,
    400: errorResponse("A bad with, before, after or limit; the text says which"),
    404: errorResponse("No such bot"),
    422: errorResponse("The name is not a valid JID localpart"),
  },
});

const sendRoute = createRoute({
  method: "post",
  path: "/messages",
  tags: ["bots"],
  summary: "Send a chat message as the bot",
  security: bearerSecurity,
  request: {
    params,
    body: { required: true, content: { "application/json": { schema: SendBody } } },
  },
  responses: {
    202: {
      description: "Handed to the XMPP server",
      content: { "application/json": { schema: z.object({ id: z.string() }) } },
    },
    ...authErrors,
    ...bodyErrors,
    404: errorResponse("No such bot"),
    503: errorResponse("The XMPP link is down (Retry-After says when to retry)"),
  },
});

export function registerMessages(
  app: BridgeApp,
  { store, outbound }: Pick<RouteDeps, "store" | "outbound">,
): void {
  app.openapi(historyRoute, async (c) => {
    const bot = c.var.bot;
    const query = c.req.valid("query");
    let peer: string | undefined;
    if (query.with !== undefined) {
      const jid = parseJid(query.with);
      if (!jid) throw badRequest(`with must be a JID; '${query.with}' is not one`);
      peer = jidToString(bareJid(jid));
    }
    const before = parseAfter(query.before, "before");
    const after = parseAfter(query.after, "after");
    const limit = historyLimit(query.limit);
    const owner = ownerId(botOwner(bot.name));
    const page = await store.pageHistory(owner, { with: peer, before, after, limit });
    const oldest = page.entries[page.entries.length - 1];
    const newest = page.entries[0];
    return c.json(
      {
        messages: page.entries.map(messageJson),
        older: page.hasOlder && oldest ? { before: oldest.id } : null,
        newer: page.hasNewer && newest ? { after: newest.id } : null,
      },
      200,
    );
  });

  app.openapi(sendRoute, async (c) => {
    const sender = botOwner(c.var.bot.name);
    const { replyTo, ...fields } = c.req.valid("json") as Record<string, unknown>;
    if (fields.kind !== undefined && fields.kind !== "message") {
      throw unprocessable("this endpoint sends messages; use POST /rest for other stanzas");
    }
    const stanza = jsonToStanza({ type: "chat", ...fields, kind: "message" });
    outbound.prepare(sender, stanza);
    const sent = await outbound.send(sender, stanza, {
      timeoutMs: 0,
      replyTo: optionalId(replyTo, "replyTo"),
    });
    return c.json({ id: sent.id ?? stanza.attrs.id ?? "" }, 202);
  });
}
