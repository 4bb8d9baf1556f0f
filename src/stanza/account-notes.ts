/**
 * The bridge's note on an account's stanzas (README, "Accounts"; the JSON mapping shows it as
 * `carbon`, `catchup` and `account_event`): one `account` element in the bridge's own
 * namespace, added before the stanza is stored, so every way out carries it.
 */
import xml, { type Element } from "@xmpp/xml";
import { NS } from "./ns.js";

export interface AccountNote {
  readonly carbon?: "sent" | "received" | undefined;
  readonly catchup?: boolean | undefined;
  readonly state?: string | undefined;
  readonly reason?: string | undefined;
}

export function addAccountNote(stanza: Element, note: AccountNote): Element {
  const attrs: Record<string, string> = { xmlns: NS.accountNote };
  if (note.carbon) attrs.carbon = note.carbon;
  if (note.catchup) attrs.catchup = "true";
  if (note.state) attrs.state = note.state;
  if (note.reason) attrs.reason = note.reason;
  stanza.append(xml("account", attrs));
  return stanza;
}

/** Removes any note a sender put there itself: only the bridge writes them. */
export function stripAccountNotes(stanza: Element): void {
  const forged = stanza.getChildren("account", NS.accountNote);
  if (forged.length === 0) return;
  stanza.children = stanza.children.filter((c) => !forged.includes(c as Element));
}
