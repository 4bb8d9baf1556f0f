/**
 * The messages an owner can name by their API id (README, "Messages, files and commands"):
 * what its one-to-one history and its rooms kept, found in the store, and the id each
 * protocol wants for one (stanza/message-ids.ts says why they differ).
 */
import type { Element } from "@xmpp/xml";
import { type Owner, ownerId } from "../owner.js";
import { conflict, notFound, unprocessable } from "../stanza/errors.js";
import type { ReplyTarget } from "../stanza/message-actions.js";
import type { FoundHistoryMessage, HistoryStore } from "../store/history.js";
import type { FoundRoomMessage, RoomStore } from "../store/rooms.js";

/** A message the owner sent or received, one-to-one or in one of its rooms. */
export type KnownMessage =
  | { readonly kind: "chat"; readonly id: string; readonly entry: FoundHistoryMessage }
  | { readonly kind: "room"; readonly id: string; readonly entry: FoundRoomMessage };

/** What a message is named for: each XEP has its rule. */
export type Purpose = "correct" | "retract" | "react" | "reply" | "display" | "moderate";

export interface MessageLookup {
  /** The message with this API id; a 404 naming the id when the owner never saw or sent it. */
  find(owner: Owner, id: string): Promise<KnownMessage>;
}

export function createMessageLookup(
  store: Pick<HistoryStore, "findHistoryMessage"> & Pick<RoomStore, "findRoomMessage">,
): MessageLookup {
  return {
    async find(owner, id) {
      const key = ownerId(owner);
      const [chat, room] = await Promise.all([
        store.findHistoryMessage(key, id),
        store.findRoomMessage(key, id),
      ]);
      // An id both know (a peer's counter that a room also used): the newer one.
      if (chat && (!room || chat.time >= room.time)) return { kind: "chat", id, entry: chat };
      if (room) return { kind: "room", id, entry: room };
      throw notFound(
        `no message with id '${id}': the ${owner.kind} never sent or received it (or it is older than the store keeps)`,
      );
    },
  };
}

/** Whether the owner sent the message itself. */
export function isOwn(message: KnownMessage): boolean {
  return message.kind === "chat" ? message.entry.direction === "out" : message.entry.own === true;
}

/**
 * The id a protocol names the message by. One-to-one: its own id for everything. In a room:
 * a correction names the sender's own id (XEP-0308 §5); a retraction (XEP-0424), a moderation
 * (XEP-0425), a reaction (XEP-0444 §3.2), a reply (XEP-0461 §3) and a displayed marker
 * (XEP-0333 §4) the stanza-id the room stamped, known once the room has reflected it (409
 * before).
 */
export function protocolId(message: KnownMessage, purpose: Purpose): string {
  if (message.kind === "chat") return message.id;
  const { entry } = message;
  if (purpose === "correct") return entry.originId ?? message.id;
  if (entry.stanzaId === undefined) {
    throw conflict(
      `message '${message.id}': the room has not confirmed it with its own id yet; retry in a moment`,
    );
  }
  return entry.stanzaId;
}

/**
 * What a reply to message `id` names (XEP-0461 §3: the id the protocol wants, the author's
 * full JID, the text to quote); 404 for an unknown id, 422 for a reply in another place
 * than the message was said (a room message is replied to in its room).
 */
export async function replyTarget(
  lookup: MessageLookup,
  owner: Owner,
  id: string,
  reply: Element,
): Promise<ReplyTarget> {
  const message = await lookup.find(owner, id);
  const inRoom = reply.attrs.type === "groupchat";
  if (message.kind === "room" ? !inRoom || reply.attrs.to !== message.entry.room : inRoom) {
    const where = message.kind === "room" ? `in ${message.entry.room}` : "one-to-one";
    throw unprocessable(`replyTo: message '${id}' was said ${where}; reply there`);
  }
  return {
    id: protocolId(message, "reply"),
    to: message.entry.from,
    body: message.entry.deletedAt === undefined ? message.entry.body : "",
  };
}
