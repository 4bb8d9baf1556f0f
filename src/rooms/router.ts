/**
 * Which room stanza goes where: a stanza to a bot is matched with the room it
 * comes from (the bare `from`), or read as an invitation, and handed to the room's
 * state (./inbound.ts). Anything else is "other" and takes the bot's usual way.
 */
import type { Element } from "@xmpp/xml";
import type { Bot, BotRegistry } from "../bots/registry.js";
import { bareJid, jidToString, parseJid } from "../stanza/jid.js";
import { type RoomEffects, roomMessage, roomPresence, type Verdict } from "./inbound.js";
import { type Invitation, parseInvitation } from "./invitations.js";
import { addRoomEvent, stripRoomEvents } from "./notes.js";
import { type RoomState, roomKey } from "./state.js";
import type { SubjectWaiters } from "./subjects.js";

export interface RoomRouterOptions {
  readonly states: ReadonlyMap<string, RoomState>;
  /** Rooms just left: their confirming presence is not news to the bot. */
  readonly leaving: Set<string>;
  readonly subjects: Pick<SubjectWaiters, "refused">;
  readonly effects: RoomEffects;
  readonly registry: Pick<BotRegistry, "forAddress">;
  /** Called for every invitation a bot receives (after it is noted). */
  readonly invited: (bot: Bot, invitation: Invitation) => void;
}

export function createRoomRouter(options: RoomRouterOptions): (stanza: Element) => Verdict {
  const { states, leaving, subjects, effects, registry, invited } = options;
  return (stanza) => {
    const to = parseJid(stanza.attrs.to ?? "");
    const bot = to && registry.forAddress(to);
    if (!bot) return "other";
    // Only the bridge writes room-event notes.
    stripRoomEvents(stanza);
    const from = parseJid(stanza.attrs.from ?? "");
    if (!from) return "other";
    const key = roomKey(bot.name, jidToString(bareJid(from)));
    const state = states.get(key);
    if (stanza.name === "message") {
      if (subjects.refused(stanza)) return "consumed";
      const invitation = state ? undefined : parseInvitation(stanza);
      if (invitation) {
        addRoomEvent(stanza, "invitation", invitation.room, {
          from: invitation.from,
          reason: invitation.reason,
          password: invitation.password,
          via: invitation.via,
        });
        invited(bot, invitation);
        return "room";
      }
      return state ? roomMessage(state, stanza, effects) : "other";
    }
    if (stanza.name !== "presence") return "other";
    if (state) return roomPresence(state, stanza, effects);
    // The room confirming a leave (XEP-0045 §7.14): the bot asked for it.
    if (leaving.has(key) && stanza.attrs.type === "unavailable") {
      if (from.resource !== "") leaving.delete(key);
      return "consumed";
    }
    return "other";
  };
}
