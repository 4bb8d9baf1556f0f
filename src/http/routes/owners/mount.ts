/**
 * Where the owner-generic routes (events, messages, message calls, files) are mounted: under a
 * bot (/v1/bots/{name}/), an account (/v1/accounts/{jid}/) or the caller's own account
 * (/v1/me/). The handlers are the same; only the spec's words and path parameters differ.
 */
import { z } from "@hono/zod-openapi";
import { accountSecurity, bearerSecurity, errorResponse } from "../../schemas.js";
import { BotName, RoomJid } from "../bots/params.js";

export interface Mount {
  /** The OpenAPI tag. */
  readonly tag: "bots" | "accounts" | "me";
  /** What the path names, for the spec's texts. */
  readonly noun: string;
  /** The same, once named: "the bot" (its messages are "the bot's"). */
  readonly who: string;
  /** The 503's text: the connection the owner's stanzas leave on is down. */
  readonly down: string;
  /** The path parameters, if any. */
  readonly params: z.ZodObject | undefined;
  /** The 404's text. */
  readonly missing: string;
  /** The 422's text for a path parameter the lookup refuses, if it refuses any. */
  readonly invalid?: string;
  /** How a caller authenticates (the OpenAPI `security`). */
  readonly security: Record<string, string[]>[];
}

export const AccountJid = z.string().openapi({
  description: "The account's bare JID (user@domain)",
  example: "alice@example.org",
});

export const BOT_MOUNT: Mount = {
  tag: "bots",
  noun: "a bot",
  who: "the bot",
  down: "The XMPP link is down (Retry-After says when to retry)",
  params: z.object({ name: BotName }),
  missing: "No such bot",
  security: bearerSecurity,
};

export const ACCOUNT_MOUNT: Mount = {
  tag: "accounts",
  noun: "an account",
  who: "the account",
  down: "The account's session is down (Retry-After says when to retry)",
  params: z.object({ jid: AccountJid }),
  missing: "No such account",
  invalid: "The JID is not a bare JID",
  security: bearerSecurity,
};

export const ME_MOUNT: Mount = {
  tag: "me",
  noun: "your account (Basic credentials, or its token)",
  who: "your account",
  down: "Your account's session is down (Retry-After says when to retry)",
  params: undefined,
  missing: "The account is not kept by the bridge",
  security: accountSecurity,
};

/** The params of a route about one room of the owner. */
export const roomParamsOf = (mount: Mount) => paramsWith(mount, { room: RoomJid });

/** The `request.params` of a route, when the mount has any. */
export const paramsOf = (mount: Mount) => (mount.params ? { params: mount.params } : {});

/** The `request.params` of a route below the mount: its own parameters and these. */
export function paramsWith<T extends z.ZodRawShape>(
  mount: Mount,
  shape: T,
): { params: z.ZodObject<T> } {
  const params = mount.params ? mount.params.extend(shape) : z.object(shape);
  // Typed as the route's own: the mount's are the lookup's (c.var.subject), never the handler's.
  return { params: params as unknown as z.ZodObject<T> };
}

/** The 422 of a route below the mount: the lookup's refusal of the path, and the route's own. */
export function unprocessableBelow(
  mount: Mount,
  own?: string,
): { readonly 422?: ReturnType<typeof errorResponse> } {
  const texts = [mount.invalid, own].filter((text): text is string => text !== undefined);
  return texts.length === 0 ? {} : { 422: errorResponse(texts.join("; or: ")) };
}
