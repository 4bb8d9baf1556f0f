/**
 * Affiliations and roles through the admin protocol (XEP-0045 §8, §9, §10.3-§10.8): the lists
 * of owners, admins, members and outcasts (§9.5, §10.5), a change of one JID's affiliation
 * (§9.1 ban, §9.3 membership, §10.3-§10.7 owners and admins), a change of one occupant's role
 * (§8.2 kick, §8.3-§8.4 voice, §9.6-§9.7 moderator).
 */
import { StanzaError } from "../stanza/errors.js";
import { NS } from "../stanza/ns.js";
import { askRoom, type RoomAsk } from "./ask.js";
import { adminIq } from "./stanzas.js";

/** Affiliations one can give a JID; `none` removes it, `outcast` bans (§5.2). */
export const AFFILIATIONS = ["owner", "admin", "member", "none", "outcast"] as const;
export type Affiliation = (typeof AFFILIATIONS)[number];

/** The affiliations a room keeps a list of (§9.5, §10.5). */
export const LISTED_AFFILIATIONS = ["owner", "admin", "member", "outcast"] as const;
export type ListedAffiliation = (typeof LISTED_AFFILIATIONS)[number];

/** Roles one can give an occupant; `none` kicks it (§5.1). */
export const ROLES = ["none", "visitor", "participant", "moderator"] as const;
export type Role = (typeof ROLES)[number];

export interface AffiliationItem {
  /** A bare JID, or a domain (a ban may cover a whole server, §9.1). */
  readonly jid: string;
  /** The occupant's nick, where the room says it (a reserved nick, §7.12). */
  readonly nick?: string | undefined;
  readonly reason?: string | undefined;
}

/** The lists by affiliation; null for a list the room does not show the seat. */
export type AffiliationLists = { [A in ListedAffiliation]?: AffiliationItem[] | null };

/** One list (§9.5, §10.5); the room's refusal (403 for a seat that may not see it) is thrown. */
export async function listAffiliation(
  ask: RoomAsk,
  affiliation: ListedAffiliation,
): Promise<AffiliationItem[]> {
  const reply = await askRoom(ask, (id) => adminIq("get", ask.from, ask.room, id, { affiliation }));
  const items = reply.getChild("query", NS.mucAdmin)?.getChildren("item") ?? [];
  return items
    .filter((item) => item.attrs.jid && (item.attrs.affiliation ?? affiliation) === affiliation)
    .map((item) => {
      const reason = item.getChildText("reason");
      return {
        jid: item.attrs.jid as string,
        ...(item.attrs.nick ? { nick: item.attrs.nick } : {}),
        ...(reason ? { reason } : {}),
      };
    })
    .sort((a, b) => a.jid.localeCompare(b.jid));
}

/**
 * Every list the room shows the seat: a list it refuses (forbidden, not-allowed: the seat's
 * affiliation is too low) is null; anything else (a timeout, a link down) is thrown.
 */
export async function visibleAffiliations(ask: RoomAsk): Promise<AffiliationLists> {
  const lists = await Promise.all(
    LISTED_AFFILIATIONS.map((affiliation) =>
      listAffiliation(ask, affiliation).catch((err: unknown) => {
        if (err instanceof StanzaError && err.by !== undefined && err.status === 403) return null;
        throw err;
      }),
    ),
  );
  return Object.fromEntries(LISTED_AFFILIATIONS.map((a, i) => [a, lists[i] ?? null]));
}

export async function setAffiliation(
  ask: RoomAsk,
  jid: string,
  affiliation: Affiliation,
  reason?: string,
): Promise<void> {
  await askRoom(ask, (id) => adminIq("set", ask.from, ask.room, id, { jid, affiliation }, reason));
}

export async function setRole(
  ask: RoomAsk,
  nick: string,
  role: Role,
  reason?: string,
): Promise<void> {
  await askRoom(ask, (id) => adminIq("set", ask.from, ask.room, id, { nick, role }, reason));
}
