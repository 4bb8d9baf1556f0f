/**
 * What a presence or roster push means for an account, typed (README, "Accounts", "Contacts
 * and presence"): the `event` beside the stanza in the events, derived from the stored
 * stanza when it is read (the stored stanza stays the truth, and older events get it too):
 *
 * - `presence`: a contact's resource came, changed or went (RFC 6121 §4);
 * - `subscription-request`: someone asks to see the account's presence (§3.1.3);
 * - `subscription`: a contact answered or ended a subscription (§3.1.5 approved, §3.2
 *   cancelled, §3.3 unsubscribed);
 * - `contact`: a roster push (§2.1.6), e.g. from the account's other client.
 */
import type { Element } from "@xmpp/xml";
import { bareJid, jidToString, parseJid } from "../../stanza/jid.js";
import { NS } from "../../stanza/ns.js";
import { rosterItemOf } from "../../stanza/roster.js";

export type JsonContactEvent =
  | {
      readonly type: "presence";
      readonly from: string;
      readonly available: boolean;
      readonly show: string | null;
      readonly status: string | null;
      readonly priority: number;
    }
  | { readonly type: "subscription-request"; readonly from: string; readonly status: string | null }
  | {
      readonly type: "subscription";
      readonly from: string;
      readonly action: "approved" | "cancelled" | "unsubscribed";
    }
  | {
      readonly type: "contact";
      readonly from: string;
      readonly jid: string;
      readonly removed: boolean;
      readonly name: string | null;
      readonly groups: readonly string[];
      readonly subscription: string;
      readonly ask: boolean;
    };

const ANSWERS = {
  subscribed: "approved",
  unsubscribed: "cancelled",
  unsubscribe: "unsubscribed",
} as const;

function bare(address: string | undefined): string | undefined {
  const jid = parseJid(address ?? "");
  return jid && jidToString(bareJid(jid));
}

function presenceEvent(stanza: Element, from: string): JsonContactEvent | undefined {
  // Room occupants are room events (README, "Room events"), not contacts.
  if (stanza.getChild("x", NS.mucUser)) return undefined;
  const type = stanza.attrs.type;
  const status = stanza.getChildText("status") ?? null;
  if (type === undefined || type === "unavailable") {
    const priority = Number.parseInt(stanza.getChildText("priority") ?? "0", 10);
    return {
      type: "presence",
      from,
      available: type === undefined,
      show: stanza.getChildText("show") || null,
      status,
      priority: Number.isFinite(priority) ? priority : 0,
    };
  }
  const who = bare(from);
  if (!who) return undefined;
  if (type === "subscribe") return { type: "subscription-request", from: who, status };
  if (type === "subscribed" || type === "unsubscribed" || type === "unsubscribe") {
    return { type: "subscription", from: who, action: ANSWERS[type] };
  }
  return undefined;
}

function rosterEvent(stanza: Element, from: string): JsonContactEvent | undefined {
  if (stanza.attrs.type !== "set") return undefined;
  const items = stanza.getChild("query", NS.roster)?.getChildren("item") ?? [];
  const [item] = items;
  if (!item || items.length !== 1) return undefined;
  const removed = item.attrs.subscription === "remove";
  const contact = rosterItemOf(item);
  if (!contact) return undefined;
  return {
    type: "contact",
    from,
    jid: contact.jid,
    removed,
    name: contact.name ?? null,
    groups: contact.groups,
    subscription: removed ? "none" : contact.subscription,
    ask: contact.ask,
  };
}

/** The typed event of a presence or roster push; undefined for anything else. */
export function contactEvent(stanza: Element): JsonContactEvent | undefined {
  const from = stanza.attrs.from;
  if (from === undefined) return undefined;
  if (stanza.name === "presence") return presenceEvent(stanza, from);
  if (stanza.name === "iq") return rosterEvent(stanza, from);
  return undefined;
}
