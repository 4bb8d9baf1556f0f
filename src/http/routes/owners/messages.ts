/**
 * An owner's history (GET .../messages, paged newest first: a bot's from the store, an
 * account's from its server's archive where it has one) and the simple way to send as the
 * owner (POST: a chat message from the JSON mapping).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { jsonToStanza } from "../../../formats/json/index.js";
import { storedMessageEvent, storedStanzaJson } from "../../../formats/json/stored.js";
import { ownerId } from "../../../owner.js";
import { badRequest, unprocessable } from "../../../stanza/errors.js";
import { bareJid, jidToString, parseJid } from "../../../stanza/jid.js";
import type { HistoryEntry } from "../../../store/history.js";
import type { BridgeApp, RouteDeps } from "../../env.js";
import {
  HISTORY_DEFAULT_LIMIT,
  HISTORY_MAX_LIMIT,
  historyLimit,
  parseAfter,
} from "../../params.js";
import { authErrors, bodyErrors, errorResponse } from "../../schemas.js";
import { optionalId } from "../bots/params.js";
import { type Mount, paramsOf } from "./mount.js";

const Attachment = z
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
    direction: z.enum(["in", "out"]),
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
    source: z.enum(["store", "archive"]).openapi({
      description:
        "store: the bridge's own (bots; accounts whose server has no archive); archive: the account's server archive (XEP-0313), ids are its stanza-ids",
    }),
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

const historyRoute = (mount: Mount) =>
  createRoute({
    method: "get",
    path: "/messages",
    tags: [mount.tag],
    summary: `The message history of ${mount.noun}, newest first`,
    description:
      "Messages with a body sent and received: a bot's kept by the bridge for XMPP_REST_STORE_RETENTION; an account's from its server's archive (XEP-0313, source archive) where it keeps one. before= pages back, after= pages forward; each answer names the next queries.",
    security: mount.security,
    request: {
      ...paramsOf(mount),
      query: z.object({
        with: z.string().optional().openapi({ description: "Only with this JID (bare)" }),
        before: z.string().optional().openapi({ description: "Older than this history id" }),
        after: z.string().optional().openapi({ description: "Newer than this history id" }),
        start: z
          .string()
          .optional()
          .openapi({ description: "Accounts' archives: not before this time (RFC 3339)" }),
        end: z
          .string()
          .optional()
          .openapi({ description: "Accounts' archives: not after this time (RFC 3339)" }),
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
      400: errorResponse("A bad with, before, after, start, end or limit; the text says which"),
      404: errorResponse(mount.missing),
      422: errorResponse("The name is not a valid JID localpart, or the JID not a bare JID"),
      503: errorResponse("The account is offline (its archive cannot be read now)"),
    },
  });

const sendRoute = (mount: Mount) =>
  createRoute({
    method: "post",
    path: "/messages",
    tags: [mount.tag],
    summary: `Send a chat message as ${mount.noun}`,
    security: mount.security,
    request: {
      ...paramsOf(mount),
      body: { required: true, content: { "application/json": { schema: SendBody } } },
    },
    responses: {
      202: {
        description: "Handed to the XMPP server",
        content: { "application/json": { schema: z.object({ id: z.string() }) } },
      },
      ...authErrors,
      ...bodyErrors,
      404: errorResponse(mount.missing),
      503: errorResponse(
        "The XMPP link (or the account's session) is down (Retry-After says when to retry)",
      ),
    },
  });

/** An RFC 3339 time, as given (the archive reads it). */
function timeParam(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (Number.isNaN(Date.parse(value)) || !/^\d{4}-\d\d-\d\dT/.test(value)) {
    throw badRequest(`${name} must be a time such as 2026-01-31T12:00:00Z; '${value}' is not one`);
  }
  return value;
}

/** An archive id (an opaque string the server chose) or a store history id. */
function pageId(value: string | undefined, name: string, archive: boolean): string | undefined {
  if (!archive) return parseAfter(value, name);
  if (value === undefined) return undefined;
  if (value === "" || value.length > 256)
    throw badRequest(`${name} must be an id from an earlier answer`);
  return value;
}

export function registerMessages(
  app: BridgeApp,
  { store, outbound, accounts }: Pick<RouteDeps, "store" | "outbound" | "accounts">,
  mount: Mount,
): void {
  app.openapi(historyRoute(mount), async (c) => {
    const { owner } = c.var.subject;
    const query = c.req.valid("query");
    let peer: string | undefined;
    if (query.with !== undefined) {
      const jid = parseJid(query.with);
      if (!jid) throw badRequest(`with must be a JID; '${query.with}' is not one`);
      peer = jidToString(bareJid(jid));
    }
    const limit = historyLimit(query.limit);
    const start = timeParam(query.start, "start");
    const end = timeParam(query.end, "end");
    const account = owner.kind === "account" && accounts ? accounts : undefined;
    if (!account && (start !== undefined || end !== undefined)) {
      throw badRequest("start and end are for an account's archive");
    }
    const before = pageId(query.before, "before", account !== undefined);
    const after = pageId(query.after, "after", account !== undefined);
    const page =
      account && owner.kind === "account"
        ? await account.history(owner.jid, { with: peer, before, after, start, end, limit })
        : {
            ...(await store.pageHistory(ownerId(owner), { with: peer, before, after, limit })),
            source: "store" as const,
          };
    const oldest = page.entries[page.entries.length - 1];
    const newest = page.entries[0];
    return c.json(
      {
        messages: page.entries.map(messageJson),
        source: page.source,
        older: page.hasOlder && oldest ? { before: oldest.id } : null,
        newer: page.hasNewer && newest ? { after: newest.id } : null,
      },
      200,
    );
  });

  app.openapi(sendRoute(mount), async (c) => {
    const sender = c.var.subject.owner;
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
