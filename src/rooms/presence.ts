import type { Element } from "@xmpp/xml";
import { StanzaError } from "../stanza/errors.js";
import { bareJid, jidToString, parseJid } from "../stanza/jid.js";
import { NS } from "../stanza/ns.js";

/** XEP-0045 §15.6.2 status codes the bridge acts on. */
export const STATUS = {
  realJidsShown: 100,
  self: 110,
  created: 201,
  nickAssigned: 210,
  banned: 301,
  nickChanged: 303,
  kicked: 307,
  affiliationChanged: 321,
  membersOnly: 322,
  shutdown: 332,
} as const;

export interface Occupant {
  readonly nick: string;
  readonly role: string;
  readonly affiliation: string;
  /** The real JID, where the room shows it (non-anonymous rooms, or to moderators). */
  readonly jid?: string | undefined;
}

/** A presence from a room occupant (XEP-0045 §7.2.3 and on), read once. */
export interface MucPresence {
  /** The room's bare JID, normalised. */
  readonly room: string;
  readonly nick: string;
  readonly type: "available" | "unavailable" | "error";
  readonly codes: ReadonlySet<number>;
  /** Status 110: the presence is about the receiver itself. */
  readonly self: boolean;
  readonly occupant: Occupant;
  /** Status 303: the occupant's new nick. */
  readonly newNick?: string | undefined;
  /** Who kicked or banned (nick or JID, as the room says it). */
  readonly actor?: string | undefined;
  readonly reason?: string | undefined;
  /** The room was destroyed (§10.9), with its reason and the room to go to instead. */
  readonly destroyed?:
    | { readonly reason?: string | undefined; readonly alternate?: string | undefined }
    | undefined;
  readonly error?: StanzaError | undefined;
}

/** Why the bot is no longer in a room, from its own unavailable presence (§7.2.8-§7.2.11, §10.9). */
export type Removal =
  | "kicked"
  | "banned"
  | "destroyed"
  | "affiliation-changed"
  | "members-only"
  | "shutdown";

/**
 * Reads a presence from room@service/nick. Undefined for anything else: a presence
 * from the bare room (ejabberd sends its caps that way), or one without the
 * muc#user extension that is not an error.
 */
export function parseMucPresence(stanza: Element): MucPresence | undefined {
  if (stanza.name !== "presence") return undefined;
  const from = parseJid(stanza.attrs.from ?? "");
  if (!from || from.local === "" || from.resource === "") return undefined;
  const room = jidToString(bareJid(from));
  const nick = from.resource;
  const rawType = stanza.attrs.type;
  if (rawType === "error") {
    return {
      room,
      nick,
      type: "error",
      codes: new Set(),
      self: false,
      occupant: { nick, role: "none", affiliation: "none" },
      error: StanzaError.fromElement(stanza),
    };
  }
  if (rawType !== undefined && rawType !== "unavailable") return undefined;
  const x = stanza.getChild("x", NS.mucUser);
  if (!x) return undefined;
  const codes = new Set(
    x
      .getChildren("status")
      .map((status) => Number(status.attrs.code))
      .filter((code) => Number.isInteger(code)),
  );
  const item = x.getChild("item");
  const actor = item?.getChild("actor");
  const destroy = x.getChild("destroy");
  const jid = item?.attrs.jid;
  return {
    room,
    nick,
    type: rawType === "unavailable" ? "unavailable" : "available",
    codes,
    self: codes.has(STATUS.self),
    occupant: {
      nick,
      role: item?.attrs.role ?? "none",
      affiliation: item?.attrs.affiliation ?? "none",
      ...(jid ? { jid } : {}),
    },
    newNick: codes.has(STATUS.nickChanged) ? item?.attrs.nick : undefined,
    actor: actor?.attrs.nick ?? actor?.attrs.jid,
    reason: item?.getChildText("reason") ?? undefined,
    destroyed: destroy
      ? {
          reason: destroy.getChildText("reason") ?? undefined,
          alternate: destroy.attrs.jid || undefined,
        }
      : undefined,
  };
}

/** Why an unavailable presence took its occupant out of the room; undefined for a plain leave. */
export function removalOf(presence: MucPresence): Removal | undefined {
  if (presence.type !== "unavailable") return undefined;
  if (presence.destroyed) return "destroyed";
  const { codes } = presence;
  if (codes.has(STATUS.banned)) return "banned";
  if (codes.has(STATUS.kicked)) return "kicked";
  if (codes.has(STATUS.affiliationChanged)) return "affiliation-changed";
  if (codes.has(STATUS.membersOnly)) return "members-only";
  if (codes.has(STATUS.shutdown)) return "shutdown";
  return undefined;
}
