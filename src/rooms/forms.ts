/**
 * Reading XEP-0004 data forms the way rooms send them: a room's owner form (XEP-0045 §10.1.3,
 * muc#roomconfig) and the extended disco#info of a room (§6.4, muc#roominfo), each found by
 * its FORM_TYPE (XEP-0068 §3).
 */
import type { Element } from "@xmpp/xml";
import { NS } from "../stanza/ns.js";

/** The FORM_TYPE of a form, undefined when it has none. */
export function formType(x: Element): string | undefined {
  return fieldOf(x, "FORM_TYPE")?.getChildText("value") ?? undefined;
}

/** The data form of `parent` with this FORM_TYPE. */
export function findForm(parent: Element | undefined, type: string): Element | undefined {
  return parent?.getChildren("x", NS.data).find((x) => formType(x) === type);
}

/** A form's field by its var. */
export function fieldOf(x: Element, name: string): Element | undefined {
  return x.getChildren("field").find((f) => f.attrs.var === name);
}

/** The values of a field; undefined when the form has no such field. */
export function fieldValues(x: Element, name: string): string[] | undefined {
  const field = fieldOf(x, name);
  return field?.getChildren("value").map((v) => v.text());
}
