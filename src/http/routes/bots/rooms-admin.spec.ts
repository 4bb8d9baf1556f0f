/**
 * The spec of the room administration routes (./rooms-admin.ts): a room's configuration
 * (XEP-0045 §10.2), its affiliations (§9, §10.3-§10.8) and its occupants' roles (§8, §9.6).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { AFFILIATIONS, LISTED_AFFILIATIONS, ROLES } from "../../../rooms/admin.js";
import { authErrors, bearerSecurity, bodyErrors, errorResponse } from "../../schemas.js";
import { BotName, json, RoomJid } from "./params.js";
import { AffiliationLists, Ignored, RoomConfigBody, RoomConfigView } from "./room-schemas.js";

const params = z.object({ name: BotName, room: RoomJid });
const Reason = z.string().optional().openapi({ description: "Told to the user by the room" });

/** The answers every administration route shares: the room's refusal is the status. */
const adminErrors = {
  ...authErrors,
  403: errorResponse(
    "Token refused, or the room refuses the bot (forbidden: its affiliation is too low; not-allowed: it may not change that one)",
  ),
  404: errorResponse("No such bot, occupant or room"),
  409: errorResponse("The bot is not in the room (not-acceptable; the text says why)"),
  503: errorResponse("The XMPP link is down (Retry-After)"),
  504: errorResponse("The room did not answer in time"),
} as const;

export const getConfigRoute = createRoute({
  method: "get",
  path: "/rooms/{room}/config",
  tags: ["rooms"],
  summary: "A room's configuration, from its owner form (XEP-0045 §10.2; owners only)",
  security: bearerSecurity,
  request: { params, query: z.object({ access_token: z.string().optional() }) },
  responses: {
    200: json(RoomConfigView, "The configuration; a name the form lacks is null"),
    ...adminErrors,
    422: errorResponse("room is not a bare JID"),
  },
});

export const patchConfigRoute = createRoute({
  method: "patch",
  path: "/rooms/{room}/config",
  tags: ["rooms"],
  summary: "Change a room's configuration (XEP-0045 §10.2; owners only)",
  description:
    "Fills the fields given into the room's owner form and submits it; the rest stays as it is. Answers the configuration as the room now has it, with what its form does not offer in ignored.",
  security: bearerSecurity,
  request: {
    params,
    body: { required: true, content: { "application/json": { schema: RoomConfigBody } } },
  },
  responses: {
    200: json(RoomConfigView.extend({ ignored: Ignored }), "Changed"),
    ...adminErrors,
    ...bodyErrors,
    406: errorResponse("The room refuses a value (not-acceptable)"),
    422: errorResponse("A field of the wrong type, or text with characters XML forbids"),
  },
});

export const listAffiliationsRoute = createRoute({
  method: "get",
  path: "/rooms/{room}/affiliations",
  tags: ["rooms"],
  summary: "A room's owners, admins, members and outcasts (XEP-0045 §9.5, §10.5)",
  description:
    "With affiliation, that list (the room's refusal is the status); without, every list, null where the room does not show it to the bot.",
  security: bearerSecurity,
  request: {
    params,
    query: z.object({
      affiliation: z.enum(LISTED_AFFILIATIONS).optional(),
      access_token: z.string().optional(),
    }),
  },
  responses: {
    200: json(AffiliationLists, "By affiliation"),
    ...adminErrors,
    400: errorResponse("affiliation is not one of owner, admin, member, outcast"),
    422: errorResponse("room is not a bare JID"),
  },
});

const AffiliationBody = z
  .object({
    affiliation: z.enum(AFFILIATIONS).openapi({
      description: "member (§9.3), admin (§10.6), owner (§10.3), none removes, outcast bans (§9.1)",
    }),
    reason: Reason,
  })
  .strict()
  .openapi("RoomAffiliation");

export const putAffiliationRoute = createRoute({
  method: "put",
  path: "/rooms/{room}/affiliations/{jid}",
  tags: ["rooms"],
  summary: "Give a JID an affiliation: member, admin, owner, none, or outcast (a ban)",
  security: bearerSecurity,
  request: {
    params: params.extend({
      jid: z.string().openapi({
        description: "A bare JID, or a domain (a ban of a whole server)",
        example: "bob@example.org",
      }),
    }),
    body: { required: true, content: { "application/json": { schema: AffiliationBody } } },
  },
  responses: {
    204: { description: "The room made the change" },
    ...adminErrors,
    ...bodyErrors,
    409: errorResponse(
      "The bot is not in the room, or the room would have no owner left (Prosody: conflict)",
    ),
    422: errorResponse("jid is not a bare JID; reason with characters XML forbids"),
  },
});

const RoleBody = z
  .object({
    role: z.enum(ROLES).openapi({
      description:
        "none kicks (§8.2), visitor revokes voice (§8.4), participant grants it (§8.3), moderator (§9.6)",
    }),
    reason: Reason,
  })
  .strict()
  .openapi("RoomRole");

export const putRoleRoute = createRoute({
  method: "put",
  path: "/rooms/{room}/occupants/{nick}",
  tags: ["rooms"],
  summary: "Give an occupant a role: kick (none), voice (participant, visitor), moderator",
  security: bearerSecurity,
  request: {
    params: params.extend({ nick: z.string().openapi({ example: "bob" }) }),
    body: { required: true, content: { "application/json": { schema: RoleBody } } },
  },
  responses: {
    204: { description: "The room made the change" },
    ...adminErrors,
    ...bodyErrors,
    422: errorResponse("nick is not a valid resourcepart; reason with characters XML forbids"),
  },
});
