/**
 * A room's configuration in and out of its forms, through the table of ./config.ts: filling
 * the owner form (XEP-0045 §10.1.3, §10.2), reading it back, and summing a room up from its
 * disco#info (§6.4).
 */
import xml, { type Element } from "@xmpp/xml";
import { NS } from "../stanza/ns.js";
import {
  CONFIG_NAMES,
  type ConfigName,
  type ConfigRow,
  isList,
  type Kind,
  ROOM_CONFIG,
  type RoomConfig,
  type RoomConfigSummary,
  type RoomConfigView,
  WHOIS,
} from "./config.js";
import { fieldOf, fieldValues, findForm } from "./forms.js";

const FIELD_TYPES_WITH_LISTS = new Set(["list-multi", "jid-multi", "text-multi"]);

/**
 * The submission (XEP-0004 §3.1 type submit, XEP-0045 §10.1.3 and §10.2) of the owner form `form`
 * with `config` filled in. Only the changed fields go in: both servers keep the rest as they
 * are. `ignored` names what the form does not offer (API names, or `other` vars).
 */
export function fillConfigForm(
  form: Element,
  config: RoomConfig,
): { submit: Element; ignored: string[] } {
  const fields: Element[] = [field("FORM_TYPE", [NS.mucRoomConfig])];
  const ignored: string[] = [];
  const offered = (vars: readonly string[]) => vars.find((v) => fieldOf(form, v));
  for (const name of CONFIG_NAMES) {
    const value = config[name];
    if (value === undefined) continue;
    const row: ConfigRow = ROOM_CONFIG[name];
    const target = offered(row.form);
    if (!target) {
      ignored.push(name);
      continue;
    }
    fields.push(field(target, [formValue(value)]));
    // XEP-0045 §15.5.3: a password is set with passwordprotectedroom where the form has it
    // (ejabberd); Prosody protects the room whenever roomsecret is not empty.
    if (row.kind === "password" && fieldOf(form, "muc#roomconfig_passwordprotectedroom")) {
      fields.push(field("muc#roomconfig_passwordprotectedroom", [value === "" ? "0" : "1"]));
    }
  }
  for (const [name, value] of Object.entries(config.other ?? {})) {
    if (!fieldOf(form, name)) {
      ignored.push(name);
      continue;
    }
    fields.push(field(name, isList(value) ? [...value] : [formValue(value)]));
  }
  return { submit: xml("x", { xmlns: NS.data, type: "submit" }, ...fields), ignored };
}

/** The owner form's current values under the API's names; every other field under `other`. */
export function readConfigForm(form: Element): RoomConfigView {
  const used = new Set(["FORM_TYPE", "muc#roomconfig_passwordprotectedroom"]);
  const summary = {} as Record<ConfigName, unknown>;
  for (const name of CONFIG_NAMES) {
    const row: ConfigRow = ROOM_CONFIG[name];
    const target = row.form.find((v) => fieldOf(form, v));
    for (const v of row.form) used.add(v);
    if (!target) {
      summary[name] = null;
      continue;
    }
    const values = fieldValues(form, target) ?? [];
    summary[name] =
      row.kind === "password" ? passwordSet(form, values) : readValue(row.kind, values);
  }
  const other: Record<string, string | string[]> = {};
  for (const f of form.getChildren("field")) {
    const name = f.attrs.var;
    // Fixed fields are headings; a private field's value is a secret, never shown.
    if (!name || used.has(name) || f.attrs.type === "fixed" || f.attrs.type === "text-private") {
      continue;
    }
    const values = f.getChildren("value").map((v) => v.text());
    other[name] = FIELD_TYPES_WITH_LISTS.has(f.attrs.type ?? "") ? values : (values[0] ?? "");
  }
  return { ...(summary as RoomConfigSummary), other };
}

/** What a room's disco#info (XEP-0045 §6.4) says of its configuration; anyone in the room may ask. */
export function summariseRoomInfo(info: Element): RoomConfigSummary {
  const form = findForm(info, NS.mucRoomInfo);
  const features = new Set(info.getChildren("feature").map((f) => f.attrs.var));
  const identity = info
    .getChildren("identity")
    .find((id) => id.attrs.category === "conference" && id.attrs.name);
  const summary = {} as Record<ConfigName, unknown>;
  for (const name of CONFIG_NAMES) {
    const row: ConfigRow = ROOM_CONFIG[name];
    summary[name] = null;
    const target = form && row.info?.find((v) => fieldOf(form, v));
    if (form && target) summary[name] = readValue(row.kind, fieldValues(form, target) ?? []);
    else if (row.features) summary[name] = featureValue(row, features);
  }
  if (summary.name === null) summary.name = identity?.attrs.name ?? null;
  return summary as RoomConfigSummary;
}

function featureValue(row: ConfigRow, features: ReadonlySet<string | undefined>): unknown {
  const { yes, no } = row.features ?? { yes: "" };
  const said = features.has(yes) ? true : no === undefined || features.has(no) ? false : null;
  if (row.kind !== "whois" || said === null) return said;
  return said ? "anyone" : "moderators";
}

function passwordSet(form: Element, secret: string[]): boolean {
  const flag = fieldValues(form, "muc#roomconfig_passwordprotectedroom");
  if (flag) return isTrue(flag[0]);
  return (secret[0] ?? "") !== "";
}

function readValue(kind: Kind, values: string[]): unknown {
  const first = values[0];
  switch (kind) {
    case "boolean":
      return isTrue(first);
    case "integer":
      return first !== undefined && /^\d+$/.test(first) ? Number(first) : null;
    case "whois":
      return (WHOIS as readonly string[]).includes(first ?? "") ? first : null;
    default:
      return first ?? "";
  }
}

/**
 * XEP-0004 §3.3: a boolean is "1"/"true" or "0"/"false". Prosody sends a boolean that is off
 * without a value at all, so no value reads as false.
 */
function isTrue(value: string | undefined): boolean {
  return value === "1" || value === "true";
}

function formValue(value: string | number | boolean): string {
  if (typeof value === "boolean") return value ? "1" : "0";
  return String(value);
}

function field(name: string, values: readonly string[]): Element {
  return xml("field", { var: name }, ...values.map((v) => xml("value", {}, v)));
}
