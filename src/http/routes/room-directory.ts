/**
 * GET /v1/rooms?service=...: a MUC service's public rooms (XEP-0045 §6.3), for any token:
 * a room directory is what every XMPP user of the service may read, so a bot token needs
 * no admin rights for it.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { RoomDirectory } from "../../rooms/directory.js";
import { unprocessable } from "../../stanza/errors.js";
import { jidToString, parseJid } from "../../stanza/jid.js";
import type { BridgeApp, RouteDeps } from "../env.js";
import { authErrors, bearerSecurity, errorResponse } from "../schemas.js";

const RoomListing = z
  .object({
    jid: z.string().openapi({ example: "lobby@conference.example.org" }),
    name: z.string().nullable(),
    description: z.string().nullable().openapi({ description: "muc#roominfo_description" }),
    occupants: z.number().int().nullable().openapi({ description: "muc#roominfo_occupants" }),
    features: z.array(z.string()).openapi({
      description: "The room's muc_* features (muc_open, muc_membersonly, ...)",
      example: ["muc_open", "muc_public"],
    }),
  })
  .openapi("RoomListing");

const listRooms = createRoute({
  method: "get",
  path: "/v1/rooms",
  tags: ["rooms"],
  summary: "A MUC service's public rooms (any token)",
  description:
    "disco#items on the service (XEP-0030), then disco#info on each room (4 at a time, the first 100 rooms) for its description and occupant count; a room that does not answer is listed with nulls.",
  security: bearerSecurity,
  request: {
    query: z.object({
      service: z
        .string()
        .optional()
        .openapi({ description: "The MUC service's domain", example: "conference.example.org" }),
    }),
  },
  responses: {
    200: {
      description: "The rooms, by JID",
      content: {
        "application/json": {
          schema: z.object({ service: z.string(), rooms: z.array(RoomListing) }),
        },
      },
    },
    ...authErrors,
    404: errorResponse("No such service (item-not-found, remote-server-not-found)"),
    422: errorResponse("service is missing or not a domain"),
    503: errorResponse("The XMPP link is down (Retry-After says when to retry)"),
    504: errorResponse(
      "The service did not answer within 30 s (or XMPP_REST_IQ_TIMEOUT if shorter)",
    ),
  },
});

function serviceDomain(raw: string | undefined, own: string): string {
  const bad = (why: string) => unprocessable(`service: ${why}`);
  if (raw === undefined || raw === "") throw bad("required, a MUC service's domain");
  const jid = parseJid(raw);
  if (!jid || jid.local || jid.resource) throw bad(`'${raw}' is not a domain`);
  const domain = jidToString(jid);
  // Our own domain would route the query back into the bridge, not to a MUC service.
  if (domain === own) throw bad(`'${raw}' is this bridge's own domain`);
  return domain;
}

export function registerRoomDirectory(
  app: BridgeApp,
  {
    settings,
    auth,
    directory,
  }: Pick<RouteDeps, "settings" | "auth"> & {
    directory: RoomDirectory;
  },
): void {
  app.use("/v1/rooms", auth);

  app.openapi(listRooms, async (c) => {
    const service = serviceDomain(c.req.valid("query").service, settings.domain);
    const rooms = await directory.list(service);
    return c.json({ service, rooms: [...rooms] }, 200);
  });
}
