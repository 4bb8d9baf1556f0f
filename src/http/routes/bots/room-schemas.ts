/**
 * The schemas of a room's configuration and affiliations, shared by the join (./rooms.spec.ts)
 * and the administration routes (./rooms-admin.spec.ts). The names and their meaning come
 * from rooms/config.ts ROOM_CONFIG; `satisfies` keeps the two in step.
 */
import { z } from "@hono/zod-openapi";
import type { ListedAffiliation } from "../../../rooms/admin.js";
import { type ConfigName, ROOM_CONFIG, WHOIS } from "../../../rooms/config.js";

/** Most members a join may add in one request (one request to the room each). */
export const MAX_MEMBERS = 100;

const doc = (name: ConfigName) => ({ description: ROOM_CONFIG[name].doc });

const OtherFields = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]))
  .openapi({
    description:
      "Fields of the service's own form by their var (a list for a multi field); ones the form lacks are listed in ignored",
    example: { allow_private_messages: false },
  });

const writes = {
  name: z.string().optional().openapi(doc("name")),
  description: z.string().optional().openapi(doc("description")),
  persistent: z.boolean().optional().openapi(doc("persistent")),
  public: z.boolean().optional().openapi(doc("public")),
  membersOnly: z.boolean().optional().openapi(doc("membersOnly")),
  moderated: z.boolean().optional().openapi(doc("moderated")),
  password: z.string().optional().openapi(doc("password")),
  maxOccupants: z.number().int().min(1).optional().openapi(doc("maxOccupants")),
  whois: z.enum(WHOIS).optional().openapi(doc("whois")),
  allowInvites: z.boolean().optional().openapi(doc("allowInvites")),
  changeSubject: z.boolean().optional().openapi(doc("changeSubject")),
  archive: z.boolean().optional().openapi(doc("archive")),
} satisfies Record<ConfigName, z.ZodType>;

/** A configuration to set: any subset of the names, and other fields by their var. */
export const RoomConfigBody = z
  .object({ ...writes, other: OtherFields.optional() })
  .strict()
  .openapi("RoomConfig", {
    example: { name: "Release team", membersOnly: true, persistent: true },
  });

const reads = {
  name: z.string().nullable().openapi(doc("name")),
  description: z.string().nullable().openapi(doc("description")),
  persistent: z.boolean().nullable().openapi(doc("persistent")),
  public: z.boolean().nullable().openapi(doc("public")),
  membersOnly: z.boolean().nullable().openapi(doc("membersOnly")),
  moderated: z.boolean().nullable().openapi(doc("moderated")),
  password: z.boolean().nullable().openapi(doc("password")),
  maxOccupants: z.number().int().nullable().openapi(doc("maxOccupants")),
  whois: z.enum(WHOIS).nullable().openapi(doc("whois")),
  allowInvites: z.boolean().nullable().openapi(doc("allowInvites")),
  changeSubject: z.boolean().nullable().openapi(doc("changeSubject")),
  archive: z.boolean().nullable().openapi(doc("archive")),
} satisfies Record<ConfigName, z.ZodType>;

/** What the room's disco#info says; null where it says nothing. */
export const RoomConfigSummary = z.object(reads).openapi("RoomConfigSummary");

/** The owner form read back. */
export const RoomConfigView = RoomConfigSummary.extend({
  other: z.record(z.string(), z.union([z.string(), z.array(z.string())])).openapi({
    description: "Every other field of the form by its var (private fields left out)",
  }),
}).openapi("RoomConfigView");

export const Ignored = z.array(z.string()).openapi({
  description:
    "What the service's form does not offer (API names, or other vars): not set, never silently",
});

const AffiliationItem = z
  .object({
    jid: z.string().openapi({ description: "A bare JID, or a domain (a ban of a server)" }),
    nick: z.string().optional().openapi({ description: "A reserved nick, where the room says" }),
    reason: z.string().optional(),
  })
  .openapi("RoomAffiliationItem");

const List = z.array(AffiliationItem).nullable().optional();

/** The lists by affiliation: a list the room does not show the bot is null. */
export const AffiliationLists = z
  .object({
    owner: List,
    admin: List,
    member: List,
    outcast: List,
  } satisfies Record<ListedAffiliation, z.ZodType>)
  .openapi("RoomAffiliations", {
    description:
      "By affiliation (XEP-0045 §9.5, §10.5); null: the room does not show the bot that list",
  });
