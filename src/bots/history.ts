import type { Element } from "@xmpp/xml";
import { serializeStanza } from "../formats/xml.js";
import { bareJid, jidToString, parseJid } from "../stanza/jid.js";
import type { Direction, HistoryInput } from "../store/history.js";

/**
 * The history entry for a message a bot sent or received, or undefined when it
 * is not one history keeps: only messages with a body (chat states, receipts and
 * errors are not conversation), and never an error.
 */
export function historyEntry(
  stanza: Element,
  owner: string,
  direction: Direction,
  time: number,
): HistoryInput | undefined {
  if (stanza.name !== "message" || stanza.attrs.type === "error") return undefined;
  const body = stanza.getChildText("body");
  if (body === null || body === undefined) return undefined;
  const from = stanza.attrs.from ?? "";
  const to = stanza.attrs.to ?? "";
  const peerJid = parseJid(direction === "in" ? from : to);
  if (!peerJid) return undefined;
  return {
    owner,
    direction,
    peer: jidToString(bareJid(peerJid)),
    from,
    to,
    type: stanza.attrs.type ?? "normal",
    body,
    stanza: serializeStanza(stanza),
    time,
  };
}
