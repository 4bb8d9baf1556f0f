/**
 * POST /v1/bots/{name}/rooms/{room}/invitations: a mediated invitation (XEP-0045 §7.8.2)
 * from a bot that is in the room; the room's refusal is the answer's status.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { roomAddress, xmlText } from "../../../rooms/address.js";
import type { Rooms } from "../../../rooms/index.js";
import { INVITE_WINDOW_MS } from "../../../rooms/invite.js";
import { unprocessable } from "../../../stanza/errors.js";
import { jidToString, parseJid } from "../../../stanza/jid.js";
import type { BridgeApp } from "../../env.js";
import { authErrors, bearerSecurity, bodyErrors, errorResponse } from "../../schemas.js";
import { type Mount, roomParamsOf } from "./mount.js";

const InvitationBody = z
  .object({
    jid: z.string().openapi({ description: "Who is invited", example: "bob@example.org" }),
    reason: z.string().optional().openapi({ example: "we are talking about the release" }),
  })
  .strict()
  .openapi("RoomInvitation");

const Invited = z
  .object({
    id: z.string().openapi({ description: "The invitation message's id" }),
    confirmed: z.boolean().openapi({
      description: `true: the room answered right after it without refusing it; false: the room said nothing within ${INVITE_WINDOW_MS / 1000} s`,
    }),
  })
  .openapi("RoomInvited");

const inviteRoute = (mount: Mount) =>
  createRoute({
    method: "post",
    path: "/rooms/{room}/invitations",
    tags: [mount.tag === "bots" ? "rooms" : mount.tag],
    summary: "Invite someone to a room the bot is in (mediated invitation, XEP-0045 §7.8.2)",
    description:
      "The room sends the invitation. It acknowledges nothing, so the bridge asks the room for its disco#info right after: once that answer is back, a refusal would have come first. The room's refusal is the status, with the stanza error in the body.",
    security: bearerSecurity,
    request: {
      ...roomParamsOf(mount),
      body: { required: true, content: { "application/json": { schema: InvitationBody } } },
    },
    responses: {
      202: {
        description: "The room took it",
        content: { "application/json": { schema: Invited } },
      },
      ...authErrors,
      ...bodyErrors,
      404: errorResponse(`${mount.missing}, or the room is gone`),
      405: errorResponse("The room does not let the bot invite (ejabberd: not-allowed)"),
      409: errorResponse("The bot is not in the room (not-acceptable; the text says why)"),
      503: errorResponse("The XMPP link is down (Retry-After says when to retry)"),
    },
  });

function invitee(raw: string): string {
  const jid = parseJid(raw);
  if (!jid || jid.local === "") {
    throw unprocessable(
      `"jid" must be a user's JID (user@domain); '${raw}' is not one`,
      "jid-malformed",
    );
  }
  return jidToString(jid);
}

export function registerRoomInvitations(
  app: BridgeApp,
  rooms: Pick<Rooms, "invite">,
  mount: Mount,
): void {
  app.openapi(inviteRoute(mount), async (c) => {
    const room = roomAddress(c.req.valid("param").room);
    const body = c.req.valid("json");
    const jid = invitee(body.jid);
    const reason = body.reason === undefined ? undefined : xmlText(body.reason, "reason");
    const outcome = await rooms.invite(c.var.subject.owner, room, jid, reason);
    return c.json(outcome, 202);
  });
}
