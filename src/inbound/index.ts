/**
 * The one way in (DESIGN, "One log, many connections, three ways out"): every stanza a
 * connection receives is routed here, once. Replies the connection itself waits for (its
 * iqs' replies, refusals of messages it watches) never get here: each connection takes its
 * own (xmpp/connection.ts). The addresses are parsed and normalised once (replies are
 * addressed from the inbound `to`, which the server compares byte for byte with the
 * component's domain, XEP-0114 §3), notes only the bridge may write are stripped, and the
 * stanza gets its target: a room of an owner, an owner, or the global callback. Delivering
 * is the targets' business (injected), never this module's.
 */
import type { Element } from "@xmpp/xml";
import type { Logger } from "../log.js";
import type { Owner } from "../owner.js";
import { stripRoomEvents } from "../rooms/notes.js";
import { stripAccountNotes } from "../stanza/account-notes.js";
import { createJidParser, type Jid, jidToString } from "../stanza/jid.js";

/** Where an inbound stanza goes. */
export type Target =
  /** Addresses the bridge cannot use: logged and dropped. */
  | { readonly kind: "dropped"; readonly reason: string }
  /** Taken by the rooms part (a join's roster, a leave's confirmation). */
  | { readonly kind: "consumed" }
  /** A room stanza for the owner, noted (README, "Room events"): not one-to-one history. */
  | { readonly kind: "room"; readonly owner: Owner; readonly to: Jid }
  | { readonly kind: "owner"; readonly owner: Owner; readonly to: Jid }
  /** Not an owner's: the global callback (mod_rest's). */
  | { readonly kind: "global"; readonly to: Jid };

export interface InboundOptions {
  /**
   * Whether the connection serves this address: the component's domain, or an account's own
   * JID on its session. Anything else is dropped.
   */
  readonly servesAddress: (to: Jid) => boolean;
  /** The owner an address at the domain belongs to (any resource). */
  readonly ownerAt: (to: Jid) => Owner | undefined;
  /** The rooms part's view of a stanza to an owner (see Rooms.handle). */
  readonly rooms: (owner: Owner, stanza: Element, from: Jid) => "consumed" | "room" | "other";
}

export interface Deliveries {
  owner(owner: Owner, stanza: Element, to: Jid, options: { readonly history: boolean }): void;
  global(stanza: Element, to: Jid): void;
}

export interface Inbound {
  /** The target of a stanza; normalises its addresses and strips forged notes on the way. */
  route(stanza: Element): Target;
  /** Routes a stanza and hands it to its target. Never throws. */
  handle(stanza: Element): void;
}

export function createInbound(
  options: InboundOptions,
  deliver: Deliveries,
  log: Pick<Logger, "warn" | "error">,
): Inbound {
  const { servesAddress, ownerAt, rooms } = options;
  const parse = createJidParser();

  const route = (stanza: Element): Target => {
    const to = parse(stanza.attrs.to ?? "");
    if (to === undefined || !servesAddress(to)) {
      return { kind: "dropped", reason: "inbound stanza with unusable addresses dropped" };
    }
    stanza.attrs.to = jidToString(to);
    const from = stanza.attrs.from === undefined ? undefined : parse(stanza.attrs.from);
    if (from !== undefined) stanza.attrs.from = jidToString(from);
    // Only the bridge writes its notes.
    stripRoomEvents(stanza);
    stripAccountNotes(stanza);
    const owner = ownerAt(to);
    if (!owner) return { kind: "global", to };
    if (from === undefined) {
      return { kind: "dropped", reason: "stanza to an owner without a usable from dropped" };
    }
    const verdict = rooms(owner, stanza, from);
    if (verdict === "consumed") return { kind: "consumed" };
    return { kind: verdict === "room" ? "room" : "owner", owner, to };
  };

  return {
    route,
    handle(stanza) {
      try {
        const target = route(stanza);
        switch (target.kind) {
          case "owner":
          case "room":
            deliver.owner(target.owner, stanza, target.to, { history: target.kind === "owner" });
            return;
          case "global":
            deliver.global(stanza, target.to);
            return;
          case "dropped":
            log.warn(target.reason, {
              stanzaId: stanza.attrs.id,
              from: stanza.attrs.from,
              to: stanza.attrs.to,
            });
            return;
        }
      } catch (err) {
        log.error("inbound stanza not routed", { stanzaId: stanza.attrs.id, err });
      }
    },
  };
}
