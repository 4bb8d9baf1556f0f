/**
 * What a stanza from a room does to the bot's view of it, and how the bot hears
 * of it: the state is updated, the stanza gets its room-event note, and the caller
 * learns whether to hand it on to the bot ("room") or keep it (the answer to a join
 * that an HTTP request is waiting for, a presence that only confirms a leave).
 */
import type { Element } from "@xmpp/xml";
import { messageEvent } from "../formats/json/message-event.js";
import { senderIdOf, stanzaIdBy } from "../stanza/message-ids.js";
import { NS } from "../stanza/ns.js";
import type { MessageChange } from "../store/history.js";
import type { RoomMessageTarget } from "../store/rooms.js";
import { addRoomEvent } from "./notes.js";
import { parseMucPresence, removalOf } from "./presence.js";
import type { RoomState } from "./state.js";

/** The ids a said message is kept with (store/rooms.ts). */
export interface SaidIds {
  readonly messageId: string;
  readonly originId: string | undefined;
  readonly stanzaId: string | undefined;
  readonly own: boolean;
}

/** consumed: kept here; room: a room stanza for the bot; other: not about the room (a private message). */
export type Verdict = "consumed" | "room" | "other";

export interface RoomEffects {
  /** The bot is out of the room for good (kick, ban, destroy, removed): forget it. */
  removed(state: RoomState): void;
  /** The room shut down (status 332): it is re-joined when the link comes back. */
  suspended(state: RoomState): void;
  /** A groupchat message with a body, live (not join history): keep it. */
  said(state: RoomState, stanza: Element, nick: string, body: string, ids: SaidIds): void;
  /**
   * A correction or retraction of a kept message, live: applied to the first target that
   * matches (a sender's retraction may name the room's stanza-id or, in XEP-0424 0.3, its own).
   */
  amended(state: RoomState, targets: readonly RoomMessageTarget[], change: MessageChange): void;
  /** The room reflected a subject (ours or someone's). */
  subjectChanged(state: RoomState, nick: string, stanza: Element): void;
}

/** Handles a presence from room@service/nick for a room the bot is in or entering. */
export function roomPresence(state: RoomState, stanza: Element, effects: RoomEffects): Verdict {
  const p = parseMucPresence(stanza);
  // ejabberd sends presences from the bare room (its caps, and unavailable on leave).
  if (!p) return "consumed";
  const { pending } = state;
  const note = (type: Parameters<typeof addRoomEvent>[1], fields = {}) => {
    addRoomEvent(stanza, type, state.room, fields);
    return "room" as const;
  };

  if (p.type === "error") {
    if (pending && !pending.selfSeen && p.nick === pending.nick && p.error) {
      pending.refused(p.error);
      if (pending.mode !== "rejoin") return "consumed";
      return note("join-failed", { nick: p.nick, reason: p.error.condition });
    }
    return "room";
  }

  // §10.9: a destroyed room sends each occupant one unavailable presence, its own; ejabberd
  // 23.01 leaves status 110 out of it, so the destruction itself says it is about the seat.
  if (p.self || (p.type === "unavailable" && p.destroyed !== undefined)) {
    if (p.type === "available") {
      state.occupants.set(p.nick, p.occupant);
      if (pending && !pending.selfSeen) {
        if (p.nick !== state.nick) state.occupants.delete(state.nick);
        state.nick = p.nick;
        pending.created = p.codes.has(201);
        pending.selfSeen = true;
        pending.entered();
        return note("joined", {
          nick: p.nick,
          role: p.occupant.role,
          affiliation: p.occupant.affiliation,
          self: true,
          ...(pending.created ? { created: true } : {}),
          ...(pending.mode === "rejoin" ? { rejoin: true } : {}),
        });
      }
      return note("occupant-changed", { ...occupantFields(p.occupant), self: true });
    }
    if (p.newNick !== undefined) {
      state.occupants.delete(p.nick);
      state.nick = p.newNick;
      return note("occupant-renamed", { nick: p.nick, new_nick: p.newNick, self: true });
    }
    const removal = removalOf(p);
    state.occupants.clear();
    if (removal === "shutdown") {
      effects.suspended(state);
      return note("shutdown", { nick: p.nick, reason: p.reason });
    }
    effects.removed(state);
    const type =
      removal === "kicked" || removal === "banned" || removal === "destroyed" ? removal : "removed";
    return note(type, {
      nick: p.nick,
      actor: p.actor,
      reason: p.destroyed?.reason ?? p.reason,
      alternate: p.destroyed?.alternate,
      ...(type === "removed" ? { cause: removal ?? "left" } : {}),
    });
  }

  if (p.type === "available") {
    const known = state.occupants.has(p.nick);
    state.occupants.set(p.nick, p.occupant);
    // The roster sent before the bot's own presence is the join's answer, not news.
    if (pending && !pending.selfSeen) return "consumed";
    return note(known ? "occupant-changed" : "occupant-joined", occupantFields(p.occupant));
  }
  const left = state.occupants.get(p.nick) ?? p.occupant;
  state.occupants.delete(p.nick);
  if (p.newNick !== undefined) {
    state.occupants.set(p.newNick, { ...left, nick: p.newNick });
    return note("occupant-renamed", { nick: p.nick, new_nick: p.newNick });
  }
  return note("occupant-left", {
    ...occupantFields(left),
    cause: removalOf(p),
    actor: p.actor,
    reason: p.reason,
  });
}

/** Handles a message from the room or one of its occupants. */
export function roomMessage(state: RoomState, stanza: Element, effects: RoomEffects): Verdict {
  // Private messages through the room (§7.5) and errors take the bot's usual way.
  if (stanza.attrs.type !== "groupchat") return "other";
  const nick = stanza.attrs.from?.split("/").slice(1).join("/") ?? "";
  const subject = stanza.getChild("subject");
  const body = stanza.getChildText("body");
  const { pending } = state;
  if (subject && (body === null || body === undefined)) {
    const text = subject.text();
    // §7.2.15: the subject ends the join; on a re-join it is the one the bot already knew.
    if (pending?.selfSeen) {
      const changed = state.subject !== undefined && state.subject !== text;
      state.subject = text;
      pending.subjectSeen();
      if (!changed) return "consumed";
    }
    state.subject = text;
    effects.subjectChanged(state, nick, stanza);
    addRoomEvent(stanza, "subject", state.room, { nick, subject: text });
    return "room";
  }
  // §7.2.14: history sent on entry carries a delay stamp from the room.
  const history =
    pending !== undefined && stanza.getChildren("delay", NS.delay).length > 0 && pending.history;
  noteMessage(state, stanza, nick, history, effects);
  return "room";
}

/**
 * Notes a live or history groupchat message (README, "Room events") with the ids the API
 * names it and what it refers to by (./message-ids.ts), and keeps what it says or changes.
 */
function noteMessage(
  state: RoomState,
  stanza: Element,
  nick: string,
  history: boolean,
  effects: RoomEffects,
): void {
  const self = nick !== "" && nick === state.nick;
  const originId = senderIdOf(stanza);
  const stanzaId = stanzaIdBy(stanza, state.room);
  // Read before the note is added: the ids as the sender wrote them.
  const event = messageEvent(stanza);
  const said = event?.type === "message";
  let id: string | undefined;
  if (said) {
    id = (self ? (originId ?? stanzaId) : (stanzaId ?? originId)) ?? "";
    state.ids.remember(id, originId, stanzaId);
  }
  const referenced = said ? event.replyTo : event?.id;
  addRoomEvent(stanza, "message", state.room, {
    nick,
    self,
    ...(history ? { history: true } : {}),
    id: id || undefined,
    ref: referenced === undefined ? undefined : state.ids.apiId(referenced),
  });
  if (history || !event) return;
  const body = stanza.getChildText("body");
  if (said && body !== null && body !== undefined) {
    effects.said(state, stanza, nick, body, { messageId: id ?? "", originId, stanzaId, own: self });
  } else if (event.type === "edit" && event.id !== undefined) {
    const change = { kind: "edit", body: event.body ?? "", time: 0 } as const;
    effects.amended(state, [{ by: "origin", id: event.id, nick }], change);
  } else if (event.type === "delete" && event.id !== undefined) {
    // The room itself (no nick) announces a moderation: whoever said it.
    const sender = nick === "" ? undefined : nick;
    const targets: RoomMessageTarget[] = [{ by: "stanza", id: event.id, nick: sender }];
    if (sender !== undefined) targets.push({ by: "origin", id: event.id, nick: sender });
    effects.amended(state, targets, { kind: "delete", time: 0 });
  }
}

function occupantFields(occupant: {
  nick: string;
  role: string;
  affiliation: string;
  jid?: string | undefined;
}) {
  return {
    nick: occupant.nick,
    role: occupant.role,
    affiliation: occupant.affiliation,
    jid: occupant.jid,
  };
}
