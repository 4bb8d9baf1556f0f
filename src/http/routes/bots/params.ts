/** The path parameters and small schema helpers the /v1/bots routes share. */
import { z } from "@hono/zod-openapi";
import { unprocessable } from "../../../stanza/errors.js";

export const BotName = z.string().openapi({
  description: "The bot's name: the localpart of its address name@domain (RFC 7622 §3.3)",
  example: "support",
});

export const RoomJid = z.string().openapi({
  description: "The room's bare JID (room@service)",
  example: "lobby@conference.example.org",
});

export const botParams = z.object({ name: BotName });
export const roomParams = z.object({ name: BotName, room: RoomJid });

/** A JSON response of this schema. */
export const json = (schema: z.ZodType, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/** A message id given in a JSON body (`replyTo`): a non-empty string, or absent. */
export function optionalId(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value === "") {
    throw unprocessable(`"${field}" must be a message id (a non-empty string)`);
  }
  return value;
}
