import type { Element } from "@xmpp/xml";
import { messageEvent } from "../formats/json/message-event.js";
import { serializeStanza } from "../formats/xml.js";
import { bareJid, jidToString, parseJid } from "../stanza/jid.js";
import { senderIdOf } from "../stanza/message-ids.js";
import type {
  Direction,
  HistoryInput,
  HistoryStore,
  HistoryTarget,
  MessageChange,
} from "../store/history.js";

/** What a message an owner sent or received does to its one-to-one history. */
export type HistoryWrite =
  | { readonly kind: "append"; readonly entry: HistoryInput }
  | {
      readonly kind: "amend";
      readonly owner: string;
      readonly target: HistoryTarget;
      readonly change: MessageChange;
    };

/**
 * The history write for a message an owner sent or received, or undefined when history keeps
 * nothing of it: a correction (XEP-0308) or a retraction (XEP-0424) changes the message it
 * names, sent the same way by the same side; any other message with a body is a new entry
 * (chat states, receipts, reactions and errors are not conversation).
 */
export function historyWrite(
  stanza: Element,
  owner: string,
  direction: Direction,
  time: number,
): HistoryWrite | undefined {
  if (stanza.name !== "message" || stanza.attrs.type === "error") return undefined;
  const from = stanza.attrs.from ?? "";
  const to = stanza.attrs.to ?? "";
  const peerJid = parseJid(direction === "in" ? from : to);
  if (!peerJid) return undefined;
  const peer = jidToString(bareJid(peerJid));
  const event = messageEvent(stanza);
  if ((event?.type === "edit" || event?.type === "delete") && event.id !== undefined) {
    const target = { messageId: event.id, direction, peer };
    const change: MessageChange =
      event.type === "edit"
        ? { kind: "edit", body: event.body ?? "", time }
        : { kind: "delete", time };
    return { kind: "amend", owner, target, change };
  }
  const body = stanza.getChildText("body");
  if (body === null || body === undefined) return undefined;
  return {
    kind: "append",
    entry: {
      owner,
      direction,
      peer,
      from,
      to,
      type: stanza.attrs.type ?? "normal",
      body,
      stanza: serializeStanza(stanza),
      time,
      messageId: senderIdOf(stanza),
    },
  };
}

/** Applies a message to the owner's history (see historyWrite); rejects as the store does. */
export async function recordHistory(
  store: Pick<HistoryStore, "appendHistory" | "amendHistory">,
  stanza: Element,
  owner: string,
  direction: Direction,
  time: number,
): Promise<void> {
  const write = historyWrite(stanza, owner, direction, time);
  if (write?.kind === "append") await store.appendHistory(write.entry);
  else if (write?.kind === "amend")
    await store.amendHistory(write.owner, write.target, write.change);
}
