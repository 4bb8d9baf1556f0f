/** Roster items (RFC 6121 §2.1.2) as the bridge reads them. */
import type { Element } from "@xmpp/xml";
import { jidToString, parseJid } from "./jid.js";

/** RFC 6121 §2.1.2.5. */
export const SUBSCRIPTION_STATES = ["none", "to", "from", "both"] as const;
export type SubscriptionState = (typeof SUBSCRIPTION_STATES)[number];

export interface RosterItem {
  /** The contact's bare JID. */
  readonly jid: string;
  readonly name?: string | undefined;
  readonly groups: readonly string[];
  readonly subscription: SubscriptionState;
  /** The account asked to see the contact's presence and waits for the answer (ask="subscribe"). */
  readonly ask: boolean;
  /** The account pre-approved the contact's request (RFC 6121 §3.4, approved="true"). */
  readonly approved: boolean;
}

const isState = (value: string | undefined): value is SubscriptionState =>
  (SUBSCRIPTION_STATES as readonly (string | undefined)[]).includes(value);

/** A roster item element as a contact; undefined for one without a usable bare JID. */
export function rosterItemOf(item: Element): RosterItem | undefined {
  const jid = parseJid(item.attrs.jid ?? "");
  if (jid?.resource !== "") return undefined;
  const subscription = item.attrs.subscription;
  const groups = item
    .getChildren("group")
    .map((g) => g.getText())
    .filter((g) => g !== "");
  return {
    jid: jidToString(jid),
    ...(item.attrs.name ? { name: item.attrs.name } : {}),
    groups: [...new Set(groups)],
    subscription: isState(subscription) ? subscription : "none",
    ask: item.attrs.ask === "subscribe",
    approved: item.attrs.approved === "true" || item.attrs.approved === "1",
  };
}
