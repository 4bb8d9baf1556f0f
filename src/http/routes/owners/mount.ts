/**
 * Where the owner-generic routes (events, messages) are mounted: under a bot
 * (/v1/bots/{name}/), an account (/v1/accounts/{jid}/) or the caller's own account (/v1/me/).
 * The handlers are the same; only the spec's words and path parameters differ.
 */
import { z } from "@hono/zod-openapi";
import { BotName } from "../bots/params.js";

export interface Mount {
  /** The OpenAPI tag. */
  readonly tag: "bots" | "accounts" | "me";
  /** What the path names, for the spec's texts. */
  readonly noun: string;
  /** The path parameters, if any. */
  readonly params: z.ZodObject | undefined;
  /** The 404's text. */
  readonly missing: string;
}

export const AccountJid = z.string().openapi({
  description: "The account's bare JID (user@domain)",
  example: "alice@example.org",
});

export const BOT_MOUNT: Mount = {
  tag: "bots",
  noun: "a bot",
  params: z.object({ name: BotName }),
  missing: "No such bot",
};

export const ACCOUNT_MOUNT: Mount = {
  tag: "accounts",
  noun: "an account",
  params: z.object({ jid: AccountJid }),
  missing: "No such account",
};

export const ME_MOUNT: Mount = {
  tag: "me",
  noun: "your account (Basic credentials, or its token)",
  params: undefined,
  missing: "The account is not kept by the bridge",
};

/** The `request.params` of a route, when the mount has any. */
export const paramsOf = (mount: Mount) => (mount.params ? { params: mount.params } : {});
