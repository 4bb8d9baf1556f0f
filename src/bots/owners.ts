/**
 * Bots as owners: which address belongs to which bot (the way out checks scopes and keeps
 * history by it), and each bot's seat in rooms (name@domain/rooms on the component link).
 */

import type { Element } from "@xmpp/xml";
import {
  createOutbound,
  type Outbound,
  type OutboundConnection,
  type OutboundOptions,
} from "../outbound/index.js";
import type { OwnerDirectory } from "../outbound/scope.js";
import { botOwner, type Owner, ownerId } from "../owner.js";
import type { RoomConnection, Seat, Seats } from "../rooms/seat.js";
import type { Jid } from "../stanza/jid.js";
import type { Bots } from "./index.js";
import { type BotRegistry, botOfAddress } from "./registry.js";

/** The resource of the address bots use in rooms: the room sees bot@domain/rooms. */
export const ROOM_RESOURCE = "rooms";

export interface BotOwners extends OwnerDirectory, Seats {
  /** The owner an inbound `to` at the domain names (any resource). */
  ownerAt(to: Jid): Owner | undefined;
}

export function createBotOwners(
  registry: Pick<BotRegistry, "get" | "forAddress" | "onChange">,
  domain: string,
  connection: RoomConnection,
): BotOwners {
  const seats = new Map<string, Seat>();
  const botOf = (owner: Owner) => (owner.kind === "bot" ? registry.get(owner.name) : undefined);
  return {
    ownerOf(address) {
      const bot = botOfAddress(registry, address);
      return bot && botOwner(bot.name);
    },
    addressOf: (owner) => (owner.kind === "bot" ? `${owner.name}@${domain}` : owner.jid),
    ownerAt(to) {
      const bot = registry.forAddress(to);
      return bot && botOwner(bot.name);
    },
    seatOf(owner) {
      const bot = botOf(owner);
      if (!bot) return undefined;
      const key = ownerId(owner);
      let seat = seats.get(key);
      if (!seat) {
        const address = `${bot.name}@${domain}/${ROOM_RESOURCE}`;
        seat = { owner: botOwner(bot.name), key, address, nick: bot.name, connection };
        seats.set(key, seat);
      }
      return seat;
    },
    autoJoins: (owner) => botOf(owner)?.autoJoinOnInvite === true,
    onRemoved(listener) {
      return registry.onChange((name) => {
        if (registry.get(name)) return;
        seats.delete(ownerId(botOwner(name)));
        listener(botOwner(name));
      });
    },
  };
}

/** A bot's iq answer checked against the iqs it received (RFC 6120 §8.2.3). */
export function claimBotAnswer(
  bots: Pick<Bots, "inboundIqs">,
  answer: Element,
  owner: Owner,
): Element {
  return bots.inboundIqs.claim(answer, owner.kind === "bot" ? owner.name : "");
}

/**
 * The one way out for bots (and admins) on the component connection: an iq result or error a
 * bot sends must answer an iq it received (checked here, or by `claimAnswer` where another
 * process knows those iqs), and what a bot says is kept in its history.
 */
export function createBotOutbound(
  bots: Pick<Bots, "inboundIqs" | "recordOutgoing">,
  owners: OwnerDirectory,
  connection: OutboundConnection,
  extra: Partial<Pick<OutboundOptions, "replyTarget" | "claimAnswer">> = {},
): Outbound {
  return createOutbound({
    ...extra,
    connectionFor: () => connection,
    owners,
    claimAnswer: extra.claimAnswer ?? ((answer, owner) => claimBotAnswer(bots, answer, owner)),
    recordOutgoing: (owner, stanza) => {
      if (owner.kind === "bot") bots.recordOutgoing(owner.name, stanza);
    },
  });
}
