/**
 * A room's configuration under the API's names (README, "Rooms"), and the one table that maps
 * each name to what a room says about it: the fields of its owner form (XEP-0045 §10.1.3,
 * FORM_TYPE muc#roomconfig, §15.5.3), the fields of its extended disco#info (§6.4, muc#roominfo,
 * §15.5.4) and its muc_* features (§15.2). The same table fills a form (§10.1.3, §10.2), reads
 * one back, and sums a room up from its disco#info (./config-form.ts).
 *
 * Prosody 0.12 and ejabberd 23.01 name a few fields their own way, and each lacks one: a row
 * lists the standard var first, then the servers' own names, and the first one a form offers
 * is the one used.
 */
import { NS } from "../stanza/ns.js";
import { xmlText } from "./address.js";

/** Who may see an occupant's real JID (muc#roomconfig_whois). */
export const WHOIS = ["moderators", "anyone"] as const;
export type Whois = (typeof WHOIS)[number];

export type Kind = "text" | "boolean" | "integer" | "whois" | "password";

export interface ConfigRow {
  readonly kind: Kind;
  /** What the option means, for the README and the API description. */
  readonly doc: string;
  /** Owner form fields that set it, in order of preference. */
  readonly form: readonly string[];
  /** muc#roominfo fields (disco#info) that tell it. */
  readonly info?: readonly string[];
  /** disco#info features that say yes and no; a room without `no` says no by leaving `yes` out. */
  readonly features?: { readonly yes: string; readonly no?: string };
}

/** Prosody's own field for invitations (it has no muc#roomconfig_allowinvites in its form). */
const PROSODY_MEMBER_INVITES = "{http://prosody.im/protocol/muc}roomconfig_allowmemberinvites";

export const ROOM_CONFIG = {
  name: {
    kind: "text",
    doc: "The room's name",
    form: ["muc#roomconfig_roomname"],
    info: ["muc#roomconfig_roomname"],
  },
  description: {
    kind: "text",
    doc: "A short description",
    form: ["muc#roomconfig_roomdesc"],
    info: ["muc#roominfo_description"],
  },
  persistent: {
    kind: "boolean",
    doc: "The room stays when the last occupant leaves",
    form: ["muc#roomconfig_persistentroom"],
    features: { yes: "muc_persistent", no: "muc_temporary" },
  },
  public: {
    kind: "boolean",
    doc: "Listed in the service's directory",
    form: ["muc#roomconfig_publicroom"],
    features: { yes: "muc_public", no: "muc_hidden" },
  },
  membersOnly: {
    kind: "boolean",
    doc: "Only members (and admins, owners) may enter",
    form: ["muc#roomconfig_membersonly"],
    features: { yes: "muc_membersonly", no: "muc_open" },
  },
  moderated: {
    kind: "boolean",
    doc: "Only occupants with voice may speak",
    form: ["muc#roomconfig_moderatedroom"],
    features: { yes: "muc_moderated", no: "muc_unmoderated" },
  },
  password: {
    kind: "password",
    doc: 'Set: the password to enter ("" removes it). Read: whether the room has one (never the password)',
    form: ["muc#roomconfig_roomsecret"],
    features: { yes: "muc_passwordprotected", no: "muc_unsecured" },
  },
  maxOccupants: {
    kind: "integer",
    doc: "The most occupants at once",
    form: ["muc#roomconfig_maxusers"],
  },
  whois: {
    kind: "whois",
    doc: "Who sees occupants' real JIDs: moderators or anyone",
    form: ["muc#roomconfig_whois"],
    features: { yes: "muc_nonanonymous", no: "muc_semianonymous" },
  },
  allowInvites: {
    kind: "boolean",
    doc: "Occupants may invite others (Prosody: members may invite to a members-only room)",
    form: ["muc#roomconfig_allowinvites", PROSODY_MEMBER_INVITES],
    info: ["muc#roomconfig_allowinvites"],
  },
  changeSubject: {
    kind: "boolean",
    doc: "Occupants may change the subject",
    form: ["muc#roomconfig_changesubject"],
    info: ["muc#roominfo_changesubject", "muc#roomconfig_changesubject"],
  },
  archive: {
    kind: "boolean",
    doc: "The room keeps an archive (XEP-0313)",
    // Prosody's mod_muc_mam; ejabberd names it "mam".
    form: ["muc#roomconfig_enablearchiving", "mam"],
    features: { yes: NS.mam },
  },
} as const satisfies Record<string, ConfigRow>;

export type ConfigName = keyof typeof ROOM_CONFIG;
export const CONFIG_NAMES = Object.keys(ROOM_CONFIG) as ConfigName[];

type Written<K extends Kind> = K extends "text" | "password"
  ? string
  : K extends "boolean"
    ? boolean
    : K extends "integer"
      ? number
      : Whois;
type Read<K extends Kind> = K extends "password" ? boolean : Written<K>;

/** A form value for a field the table does not name (`other`): multi fields take a list. */
export type OtherValue = string | number | boolean | readonly string[];

/** A change of configuration: any subset of the names, and any other fields by their var. */
export type RoomConfig = {
  readonly [N in ConfigName]?: Written<(typeof ROOM_CONFIG)[N]["kind"]>;
} & { readonly other?: Readonly<Record<string, OtherValue>> };

/** What a room says of its configuration under the API's names; null where it says nothing. */
export type RoomConfigSummary = { [N in ConfigName]: Read<(typeof ROOM_CONFIG)[N]["kind"]> | null };

/** The owner form read back: the names, and every other field by its var. */
export type RoomConfigView = RoomConfigSummary & { other: Record<string, string | string[]> };

/** 422 naming the field for text that XML cannot carry; returns the change as it is. */
export function checkRoomConfig(config: RoomConfig, prefix = ""): RoomConfig {
  for (const name of CONFIG_NAMES) {
    const value = config[name];
    if (typeof value === "string") xmlText(value, `${prefix}${name}`);
  }
  for (const [name, value] of Object.entries(config.other ?? {})) {
    xmlText(name, `${prefix}other`);
    for (const item of isList(value) ? value : [value]) {
      xmlText(String(item), `${prefix}other.${name}`);
    }
  }
  return config;
}

/** Whether a change asks for anything. */
export function hasChanges(config: RoomConfig): boolean {
  return (
    CONFIG_NAMES.some((n) => config[n] !== undefined) || Object.keys(config.other ?? {}).length > 0
  );
}

/** An `other` value for a multi field (a list of values). */
export function isList(value: OtherValue): value is readonly string[] {
  return Array.isArray(value);
}
