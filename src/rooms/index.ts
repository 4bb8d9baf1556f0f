/**
 * Rooms (XEP-0045) for bots: join, leave, post, subject; occupants tracked from
 * presence; the rooms each bot is in kept in the store and re-joined after every
 * reconnect and restart (servers drop an occupant they cannot deliver to, so a
 * bridge that was away is out of its rooms); invitations noted and, per bot,
 * accepted. Every room stanza to a bot gets a room-event note (./notes.ts) and then
 * takes the bot's usual way (webhook or pull log).
 */
import { randomUUID } from "node:crypto";
import type { Element } from "@xmpp/xml";
import type { BotRegistry } from "../bots/registry.js";
import type { Logger } from "../log.js";
import { botOwner, ownerId, ownerOf } from "../owner.js";
import { StanzaError } from "../stanza/errors.js";
import type { RoomStore } from "../store/rooms.js";
import type { IqTracker } from "../xmpp/iq-tracker.js";
import { type Link, linkDownError } from "../xmpp/link.js";
import { createRoomEffects } from "./effects.js";
import { enterRoom } from "./entering.js";
import { leftMeanwhile, notInRoom } from "./errors.js";
import type { Verdict } from "./inbound.js";
import { createRoomRouter } from "./router.js";
import { leavePresence, subjectMessage } from "./stanzas.js";
import { type RoomState, type RoomView, roomKey, roomView } from "./state.js";
import { createSubjectWaiters } from "./subjects.js";

export type { RoomView } from "./state.js";

/** The resource of the address bots use in rooms: the room sees bot@domain/rooms. */
export const ROOM_RESOURCE = "rooms";

export interface JoinRequest {
  readonly nick: string;
  readonly password?: string | undefined;
  /** Messages of discussion history to ask for (XEP-0045 §7.2.14); default 0. */
  readonly history?: number | undefined;
}

export interface JoinResult {
  readonly room: RoomView;
  /** The bot created the room (it is an instant room now, open to others). */
  readonly created: boolean;
}

export interface Rooms {
  join(bot: string, room: string, request: JoinRequest): Promise<JoinResult>;
  /** False when the bot was not in the room. */
  leave(bot: string, room: string): Promise<boolean>;
  list(bot: string): RoomView[];
  get(bot: string, room: string): RoomView | undefined;
  /** Sends a groupchat message (from the bot's room address, to the room); 409 when not in. */
  post(bot: string, room: string, message: Element): Promise<void>;
  /** Changes the subject and waits for the room to reflect it (§8.1). */
  setSubject(bot: string, room: string, subject: string): Promise<RoomView>;
  /**
   * Takes an inbound stanza to a bot. "consumed": the rooms part answered it (a join's
   * roster, a leave's confirmation); "room": a room stanza, noted, for the bot (not for
   * its one-to-one history); "other": not about a room.
   */
  handle(stanza: Element): Verdict;
  /** Reads the joined rooms from the store; they are entered once the link is online. */
  load(): Promise<void>;
  stop(): void;
}

export interface RoomsOptions {
  readonly store: RoomStore;
  readonly link: Pick<Link, "send" | "state" | "retryAfterSeconds" | "onStateChange">;
  readonly iqs: Pick<IqTracker, "expect" | "cancel">;
  readonly registry: Pick<BotRegistry, "get" | "forAddress" | "onChange">;
  readonly log: Logger;
  /** The component's domain: bots are name@domain. */
  readonly domain: string;
  /** How long a join or subject change waits for the room. */
  readonly timeoutMs: number;
  readonly now?: () => Date;
}

export function createRooms(options: RoomsOptions): Rooms {
  const { store, link, iqs, registry, log, domain, timeoutMs } = options;
  const now = options.now ?? (() => new Date());
  const states = new Map<string, RoomState>();
  /** Rooms just left: their confirming presence is not news to the bot. */
  const leaving = new Set<string>();
  const subjects = createSubjectWaiters(timeoutMs);
  const deps = { link, iqs, log, timeoutMs };

  /** Entries (join, re-join, nick change) under way, one per room at a time. */
  const entries = new Map<string, Promise<void>>();
  const addressOf = (bot: string) => `${bot}@${domain}/${ROOM_RESOURCE}`;
  const track = <T>(state: RoomState, entry: Promise<T>): Promise<T> => {
    const key = roomKey(state.bot, state.room);
    const done: Promise<void> = entry.then(
      () => {},
      () => {},
    );
    entries.set(key, done);
    void done.then(() => {
      if (entries.get(key) === done) entries.delete(key);
    });
    return entry;
  };

  const forget = (state: RoomState) => {
    const key = roomKey(state.bot, state.room);
    if (states.get(key) !== state) return;
    states.delete(key);
    store.deleteRoom(ownerId(botOwner(state.bot)), state.room).catch((err: unknown) => {
      log.error("room not removed from the store", { bot: state.bot, room: state.room, err });
    });
  };

  const effects = createRoomEffects({ store, subjects, log, forget, now });

  const record = (state: RoomState) =>
    store.putRoom({
      owner: ownerId(botOwner(state.bot)),
      room: state.room,
      nick: state.nick,
      password: state.password,
      joinedAt: state.joinedAt,
    });

  /** Enters a room the bot is kept in, after a reconnect or restart: no history (§7.2.14). */
  const rejoin = (state: RoomState) => {
    if (state.pending || state.status === "joined") return;
    state.status = "joining";
    state.occupants.clear();
    const request = {
      from: addressOf(state.bot),
      nick: state.nick,
      password: state.password,
      history: 0,
      mode: "rejoin" as const,
    };
    track(state, enterRoom(state, request, deps)).then(
      () => {
        state.status = "joined";
        log.info("bot back in its room", { bot: state.bot, room: state.room });
      },
      (err: unknown) => {
        state.status = "offline";
        const error = err instanceof StanzaError ? err : undefined;
        // A refusal that will not change by itself (banned, members-only, ...) ends the stay.
        if (error && error.type !== "wait" && error.status !== 503) {
          log.warn("room refused the bot's re-join: forgotten", {
            bot: state.bot,
            room: state.room,
            err,
          });
          forget(state);
        } else {
          log.warn("room re-join failed; retried on the next reconnect", {
            bot: state.bot,
            room: state.room,
            err,
          });
        }
      },
    );
  };

  const offStateChange = link.onStateChange((linkState) => {
    if (linkState === "online") {
      for (const state of states.values()) rejoin(state);
      return;
    }
    // An entry waiting now cannot be answered on the dropped stream.
    const down = linkDownError(link.retryAfterSeconds());
    leaving.clear();
    for (const state of states.values()) {
      state.pending?.abort(down);
      state.status = "offline";
      state.occupants.clear();
    }
  });

  const offRegistry = registry.onChange((name) => {
    if (registry.get(name)) return;
    // A deleted bot leaves its rooms (the store forgot them with the bot).
    for (const [key, state] of [...states]) {
      if (state.bot !== name) continue;
      states.delete(key);
      if (link.state === "online" && state.status !== "offline") {
        link.send(leavePresence(addressOf(name), state.room, state.nick)).catch(() => {});
      }
    }
  });

  const joinedState = (bot: string, room: string): RoomState => {
    const state = states.get(roomKey(bot, room));
    if (!state) throw notInRoom(bot, room, "it has not joined it (PUT .../rooms/{room} first)");
    if (state.status !== "joined") {
      throw notInRoom(
        bot,
        room,
        state.status === "joining"
          ? "it is entering the room now; retry in a moment"
          : "the XMPP link is down; it re-joins when the link is back",
      );
    }
    return state;
  };

  const inbound = createRoomRouter({
    states,
    leaving,
    subjects,
    effects,
    registry,
    invited(bot, invitation) {
      // autoJoinOnInvite: the bot's name as nick, the invitation's password.
      if (!bot.autoJoinOnInvite || states.has(roomKey(bot.name, invitation.room))) return;
      log.info("bot accepts an invitation", { bot: bot.name, room: invitation.room });
      api
        .join(bot.name, invitation.room, { nick: bot.name, password: invitation.password })
        .catch((err: unknown) => {
          log.warn("invitation not accepted: join failed", {
            bot: bot.name,
            room: invitation.room,
            err,
          });
        });
    },
  });

  const api: Rooms = {
    async join(bot, room, request) {
      const key = roomKey(bot, room);
      // One entry at a time per room: a re-join or another request finishes first.
      for (let entry = entries.get(key); entry; entry = entries.get(key)) await entry;
      let state = states.get(key);
      const password = request.password;
      if (state && state.status === "joined" && state.nick === request.nick) {
        if (password !== undefined && password !== state.password) {
          state.password = password;
          await record(state);
        }
        return { room: roomView(state), created: false };
      }
      if (link.state !== "online") throw linkDownError(link.retryAfterSeconds());
      const fresh = state === undefined || state.status !== "joined";
      if (!state) {
        state = {
          bot,
          room,
          nick: request.nick,
          password,
          joinedAt: now().getTime(),
          status: "joining",
          subject: undefined,
          occupants: new Map(),
          pending: undefined,
        };
        states.set(key, state);
      }
      const entering = state;
      if (fresh) {
        entering.status = "joining";
        entering.occupants.clear();
      }
      try {
        const created = await track(
          entering,
          enterRoom(
            entering,
            {
              from: addressOf(bot),
              nick: request.nick,
              password,
              history: request.history ?? 0,
              mode: fresh ? "join" : "nick",
            },
            deps,
          ),
        );
        if (states.get(key) !== entering) throw leftMeanwhile(bot, room);
        entering.status = "joined";
        entering.password = password;
        await record(entering);
        return { room: roomView(entering), created };
      } catch (err) {
        if (fresh && states.get(key) === entering) {
          // Kept (offline) only when the store says the bot belongs there.
          const kept = (await store.listRooms(ownerId(botOwner(bot)))).some((r) => r.room === room);
          if (kept) entering.status = "offline";
          else states.delete(key);
        }
        throw err;
      }
    },
    async leave(bot, room) {
      const key = roomKey(bot, room);
      const state = states.get(key);
      states.delete(key);
      // A join under way ends now; the leave below follows its presence on the stream.
      state?.pending?.abort(leftMeanwhile(bot, room));
      const stored = await store.deleteRoom(ownerId(botOwner(bot)), room);
      if (!state) return stored;
      if (link.state === "online" && state.status !== "offline") {
        leaving.add(key);
        await link.send(leavePresence(addressOf(bot), room, state.nick)).catch((err: unknown) => {
          leaving.delete(key);
          log.warn("leave presence not sent", { bot, room, err });
        });
      }
      return true;
    },
    list(bot) {
      return [...states.values()]
        .filter((s) => s.bot === bot)
        .sort((a, b) => a.room.localeCompare(b.room))
        .map(roomView);
    },
    get(bot, room) {
      const state = states.get(roomKey(bot, room));
      return state && roomView(state);
    },
    async post(bot, room, message) {
      joinedState(bot, room);
      message.attrs.from = addressOf(bot);
      message.attrs.to = room;
      message.attrs.type = "groupchat";
      await link.send(message);
    },
    async setSubject(bot, room, subject) {
      const state = joinedState(bot, room);
      const id = `subject-${randomUUID()}`;
      const reflected = subjects.wait(state, id);
      try {
        await link.send(subjectMessage(addressOf(bot), room, subject, id));
      } catch (err) {
        subjects.cancel(id);
        throw err;
      }
      await reflected;
      return roomView(state);
    },
    handle(stanza) {
      try {
        return inbound(stanza);
      } catch (err) {
        log.error("room stanza not handled", { err });
        return "other";
      }
    },
    async load() {
      for (const record of await store.listRooms()) {
        // Bots' rooms only (other owners' are theirs to re-join).
        const owner = ownerOf(record.owner);
        if (owner?.kind !== "bot" || !registry.get(owner.name)) continue;
        states.set(roomKey(owner.name, record.room), {
          bot: owner.name,
          room: record.room,
          nick: record.nick,
          password: record.password,
          joinedAt: record.joinedAt,
          status: "offline",
          subject: undefined,
          occupants: new Map(),
          pending: undefined,
        });
      }
      if (link.state === "online") for (const state of states.values()) rejoin(state);
    },
    stop() {
      offStateChange();
      offRegistry();
      subjects.clear();
    },
  };
  return api;
}
