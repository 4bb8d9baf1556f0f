/**
 * An account's conversations (README, "Accounts", "Conversations"), under
 * /v1/accounts/{jid}/ and /v1/me/: newest first with the last message and the unread count
 * (messages after the last XEP-0333 displayed marker the account sent from any client), and
 * marking one read up to a message.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { decodeCursor } from "../../../accounts/conversations.js";
import { contactJid } from "../../../accounts/roster.js";
import { badRequest, notFound } from "../../../stanza/errors.js";
import type { ConversationRecord } from "../../../store/contacts.js";
import type { BridgeApp, RouteDeps } from "../../env.js";
import { accountSecurity, authErrors, bodyErrors, errorResponse } from "../../schemas.js";
import { json } from "../bots/params.js";
import { type Mount, paramsOf as ownerParams, paramsWith } from "../owners/mount.js";

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;

const Conversation = z
  .object({
    with: z.string().openapi({ description: "The peer's bare JID, or the room's" }),
    kind: z.enum(["chat", "groupchat"]),
    last: z.object({
      id: z.string().openapi({
        description:
          "The message's id (what a displayed marker names: the sender's id; in a room, the room's stanza-id)",
      }),
      time: z.string().openapi({ description: "RFC 3339" }),
      from: z.string(),
      body: z.string(),
    }),
    unread: z.number().int().openapi({
      description: "Incoming messages after the last displayed marker the account sent",
    }),
  })
  .openapi("Conversation");

const listRoute = (mount: Mount) =>
  createRoute({
    method: "get",
    path: "/conversations",
    tags: [mount.tag],
    summary: `The conversations of ${mount.noun}, newest first, with unread counts`,
    description: `Paged: a Link header (rel="next") names the next page's before= cursor. limit: default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT}.`,
    security: accountSecurity,
    request: {
      ...ownerParams(mount),
      query: z.object({
        before: z.string().optional().openapi({ description: "A cursor from a Link header" }),
        limit: z.string().optional(),
        access_token: z.string().optional(),
      }),
    },
    responses: {
      200: json(z.array(Conversation), "Newest first"),
      ...authErrors,
      400: errorResponse("A bad before or limit"),
      404: errorResponse(mount.missing),
    },
  });

const readRoute = (mount: Mount) =>
  createRoute({
    method: "post",
    path: "/conversations/{with}/read",
    tags: [mount.tag],
    summary: "Mark a conversation read up to a message (XEP-0333 displayed)",
    description:
      'Sends the displayed marker (the account\'s other clients see it as a carbon) and resets the count. {"upTo": "<id>"}: the message id (or its archive id); left out, the newest.',
    security: accountSecurity,
    request: {
      ...paramsWith(mount, { with: z.string().openapi({ example: "bob@example.org" }) }),
      body: {
        required: false,
        content: {
          "application/json": {
            schema: z.object({ upTo: z.string().optional() }).strict().openapi("ReadUpTo"),
          },
        },
      },
    },
    responses: {
      200: json(Conversation, "The conversation now"),
      ...authErrors,
      ...bodyErrors,
      404: errorResponse("No such account, conversation or message"),
      503: errorResponse("The account's session is down (Retry-After says when to retry)"),
    },
  });

export function conversationJson(c: ConversationRecord) {
  return {
    with: c.with,
    kind: c.kind,
    last: {
      id: c.last.id,
      time: new Date(c.last.time).toISOString(),
      from: c.last.from,
      body: c.last.body,
    },
    unread: c.unread,
  };
}

function limitOf(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw badRequest(`limit must be a whole number from 1; '${raw.slice(0, 20)}' is not one`);
  }
  return Math.min(Number(raw), MAX_LIMIT);
}

export function registerConversations(
  app: BridgeApp,
  { accounts }: Pick<Required<RouteDeps>, "accounts">,
  mount: Mount,
): void {
  app.openapi(listRoute(mount), (c) => {
    const conversations = accounts.conversationsOf(c.var.account.jid);
    if (!conversations) throw notFound(`no account ${c.var.account.jid}`);
    const query = c.req.valid("query");
    if (query.before !== undefined && !decodeCursor(query.before)) {
      throw badRequest("before must be a cursor from a Link header");
    }
    const page = conversations.page(query.before, limitOf(query.limit));
    if (page.before) {
      const next = new URL(c.req.url);
      next.searchParams.set("before", page.before);
      next.searchParams.delete("access_token");
      c.header("link", `<${next.pathname}${next.search}>; rel="next"`);
    }
    return c.json(page.conversations.map(conversationJson), 200);
  });

  app.openapi(readRoute(mount), async (c) => {
    const peer = contactJid(c.req.param("with") ?? "");
    const body = c.req.header("content-type")?.includes("json")
      ? ((await c.req.json().catch(() => ({}))) as { upTo?: unknown })
      : {};
    if (body.upTo !== undefined && (typeof body.upTo !== "string" || body.upTo === "")) {
      throw badRequest('"upTo" must be a message id');
    }
    const after = await accounts.markRead(c.var.account.jid, peer, body.upTo);
    return c.json(conversationJson(after), 200);
  });
}
