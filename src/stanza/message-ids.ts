/**
 * The ids a message is known by (XEP-0359), and the one the API hands out so that a caller
 * never has to choose: a one-to-one message is named by its sender's origin-id (the `id`
 * attribute when it has none, as XEP-0308, XEP-0444 and XEP-0461 allow for one-to-one
 * chats); a groupchat message by the stanza-id the room stamped on it (XEP-0359 §3, which
 * XEP-0424, XEP-0425, XEP-0444 and XEP-0461 require in rooms). Pure functions on elements.
 */
import { randomUUID } from "node:crypto";
import xml, { type Element } from "@xmpp/xml";
import { normaliseJid } from "./jid.js";
import { NS } from "./ns.js";

/** The sender's XEP-0359 origin-id, if the message carries one. */
export function originIdOf(stanza: Element): string | undefined {
  const id = stanza.getChild("origin-id", NS.sid)?.attrs.id;
  return typeof id === "string" && id !== "" ? id : undefined;
}

/** What the sender called its message: its origin-id, else its `id` attribute. */
export function senderIdOf(stanza: Element): string | undefined {
  return originIdOf(stanza) ?? (stanza.attrs.id || undefined);
}

/**
 * The stanza-id `by` stamped (XEP-0359 §3): only the stamp of the entity named counts, as a
 * sender may add stanza-ids of its own (§3.1). `by` is compared normalised.
 */
export function stanzaIdBy(stanza: Element, by: string): string | undefined {
  const stamp = stanza
    .getChildren("stanza-id", NS.sid)
    .find((sid) => normaliseJid(sid.attrs.by ?? "") === by);
  const id = stamp?.attrs.id;
  return typeof id === "string" && id !== "" ? id : undefined;
}

/**
 * Gives an outgoing message the id the API answers for it: its origin-id (XEP-0359 §4),
 * added when missing, with the same value as the stanza's `id` so that clients which
 * reference the `id` attribute (XEP-0308) and those which reference the origin-id agree.
 * A caller's own `id` or origin-id is kept.
 */
export function ensureMessageId(stanza: Element): string {
  const origin = originIdOf(stanza);
  if (origin !== undefined) {
    stanza.attrs.id ||= origin;
    return origin;
  }
  const id = stanza.attrs.id || randomUUID();
  stanza.attrs.id = id;
  stanza.append(xml("origin-id", { xmlns: NS.sid, id }));
  return id;
}
