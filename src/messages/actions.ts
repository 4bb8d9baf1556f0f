/**
 * The simple message calls (README, "Messages, files and commands"): edit, delete, react,
 * read, typing, a moderator's retraction, and what `replyTo` names. Each finds the message by
 * its API id (./known.ts), checks who may act on it, builds the XEP's elements
 * (stanza/message-actions.ts) and sends them the owner's one way out: one-to-one through
 * outbound, in a room through the owner's seat (which rooms keep).
 */
import xml, { type Element } from "@xmpp/xml";
import type { Outbound } from "../outbound/index.js";
import type { Owner } from "../owner.js";
import type { Rooms } from "../rooms/index.js";
import { conflict, forbidden, unprocessable } from "../stanza/errors.js";
import {
  chatState,
  correction,
  displayedMarker,
  reactionSet,
  retraction,
  type TypingState,
} from "../stanza/message-actions.js";
import { isOwn, type KnownMessage, type MessageLookup, protocolId } from "./known.js";
import { checkReactions } from "./reactions.js";

export interface MessageActions {
  /** XEP-0308: the owner's own message gets this text (403 for another's). */
  edit(owner: Owner, id: string, body: string): Promise<void>;
  /** XEP-0424: the owner's own message is retracted (403 for another's). */
  remove(owner: Owner, id: string): Promise<void>;
  /** XEP-0444: the owner's whole set of reactions to a message (422 for what is not one emoji). */
  react(owner: Owner, id: string, reactions: readonly unknown[]): Promise<void>;
  /** XEP-0333: the owner displayed the message (and all before it). */
  read(owner: Owner, id: string): Promise<void>;
  /** XEP-0085: a chat state to a JID, or to a room the owner is in. */
  typing(owner: Owner, to: string, state: TypingState): Promise<void>;
  /** XEP-0425: a moderator retracts a message said in the room. */
  moderate(owner: Owner, room: string, id: string, reason?: string): Promise<void>;
}

export interface MessageActionOptions {
  readonly lookup: MessageLookup;
  readonly outbound: Pick<Outbound, "prepare" | "send">;
  /** Rooms of the owners (absent: room messages cannot be acted on). */
  readonly rooms?: Pick<Rooms, "post" | "moderate" | "list"> | undefined;
}

export function createMessageActions(options: MessageActionOptions): MessageActions {
  const { lookup, outbound, rooms } = options;

  /** The other side of a one-to-one message: who sent it to the owner, or whom the owner sent it. */
  const counterpart = (message: KnownMessage & { kind: "chat" }) =>
    message.entry.direction === "in" ? message.entry.from : message.entry.to;

  /** Sends a message built by `build` where the known message was said. */
  const sendAbout = async (
    owner: Owner,
    message: KnownMessage,
    build: (stanza: Element) => Element,
  ): Promise<void> => {
    if (message.kind === "room") {
      if (!rooms) throw conflict("rooms are not available");
      await rooms.post(owner, message.entry.room, build(xml("message")));
      return;
    }
    const stanza = build(xml("message", { to: counterpart(message), type: "chat" }));
    outbound.prepare(owner, stanza);
    await outbound.send(owner, stanza, { timeoutMs: 0 });
  };

  const own = async (owner: Owner, id: string, what: string) => {
    const message = await lookup.find(owner, id);
    if (!isOwn(message)) {
      throw forbidden(
        `message '${id}' is not the ${owner.kind}'s own: only its sender may ${what} it`,
      );
    }
    if (message.entry.deletedAt !== undefined) {
      throw conflict(`message '${id}' was deleted`);
    }
    return message;
  };

  return {
    async edit(owner, id, body) {
      const message = await own(owner, id, "edit");
      const target = protocolId(message, "correct");
      await sendAbout(owner, message, (stanza) => correction(stanza, target, body));
    },
    async remove(owner, id) {
      const message = await own(owner, id, "delete");
      const target = protocolId(message, "retract");
      await sendAbout(owner, message, (stanza) => retraction(stanza, target));
    },
    async react(owner, id, reactions) {
      const checked = checkReactions(reactions);
      const message = await lookup.find(owner, id);
      const target = protocolId(message, "react");
      await sendAbout(owner, message, (stanza) => reactionSet(stanza, target, checked));
    },
    async read(owner, id) {
      const message = await lookup.find(owner, id);
      const target = protocolId(message, "display");
      await sendAbout(owner, message, (stanza) => displayedMarker(stanza, target));
    },
    async typing(owner, to, state) {
      const room = rooms?.list(owner).find((r) => r.room === to);
      if (room && rooms) {
        await rooms.post(owner, room.room, chatState(xml("message"), state));
        return;
      }
      const stanza = chatState(xml("message", { to, type: "chat" }), state);
      outbound.prepare(owner, stanza);
      await outbound.send(owner, stanza, { timeoutMs: 0 });
    },
    async moderate(owner, room, id, reason) {
      if (!rooms) throw conflict("rooms are not available");
      const message = await lookup.find(owner, id);
      if (message.kind !== "room" || message.entry.room !== room) {
        throw unprocessable(`message '${id}' was not said in ${room}`);
      }
      await rooms.moderate(owner, room, protocolId(message, "moderate"), reason);
    },
  };
}
