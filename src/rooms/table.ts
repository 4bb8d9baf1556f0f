/**
 * The rooms each seat is in, in memory, with the store following it (so they are re-joined
 * after a restart), and the entries (join, re-join, nick change) under way: one per room at a
 * time.
 */
import type { Logger } from "../log.js";
import type { RoomStore } from "../store/rooms.js";
import { notInRoom } from "./errors.js";
import { RoomMessageIds } from "./message-ids.js";
import type { RoomConnection, Seat } from "./seat.js";
import { type RoomState, roomKey } from "./state.js";

export interface RoomTable {
  readonly states: Map<string, RoomState>;
  /** Rooms just left, by room key, with the connection the leave went out on. */
  readonly leaving: Map<string, RoomConnection>;
  get(seat: Seat, room: string): RoomState | undefined;
  /** The room of a seat that is in it now; 409 (not in the room) saying why otherwise. */
  joined(seat: Seat, room: string): RoomState;
  /** A new state for a room the seat enters now (not in the table until `add`). */
  fresh(seat: Seat, room: string, nick: string, password: string | undefined): RoomState;
  add(state: RoomState): void;
  /** Drops the state from memory only (the store keeps what it has). */
  drop(state: RoomState): void;
  /** The seat's rooms, by room. */
  ofSeat(seatKey: string): RoomState[];
  /** Forgets a room the seat is out of for good: memory and store. */
  forget(state: RoomState): void;
  /** Keeps the room (nick, password) in the store. */
  record(state: RoomState): Promise<void>;
  /** Removes the room from the store; false when it was not there. */
  unrecord(seat: Seat, room: string): Promise<boolean>;
  /** Marks `entry` as the room's entry under way until it settles; returns it. */
  track<T>(state: RoomState, entry: Promise<T>): Promise<T>;
  /** Resolves once no entry of the room is under way. */
  idle(seat: Seat, room: string): Promise<void>;
}

export interface RoomTableOptions {
  readonly store: Pick<RoomStore, "putRoom" | "deleteRoom">;
  readonly log: Logger;
  readonly now: () => Date;
}

export function createRoomTable({ store, log, now }: RoomTableOptions): RoomTable {
  const states = new Map<string, RoomState>();
  const entries = new Map<string, Promise<void>>();
  const keyOf = (state: RoomState) => roomKey(state.seat.key, state.room);

  return {
    states,
    leaving: new Map(),
    get: (seat, room) => states.get(roomKey(seat.key, room)),
    joined(seat, room) {
      const state = states.get(roomKey(seat.key, room));
      if (!state) {
        throw notInRoom(seat.owner, room, "it has not joined it (PUT .../rooms/{room} first)");
      }
      if (state.status !== "joined") {
        const why =
          state.status === "joining"
            ? "it is entering the room now; retry in a moment"
            : "the XMPP link is down; it re-joins when the link is back";
        throw notInRoom(seat.owner, room, why);
      }
      return state;
    },
    fresh: (seat, room, nick, password) => ({
      seat,
      room,
      nick,
      password,
      joinedAt: now().getTime(),
      status: "joining",
      subject: undefined,
      occupants: new Map(),
      pending: undefined,
      ids: new RoomMessageIds(),
    }),
    add(state) {
      states.set(keyOf(state), state);
    },
    drop(state) {
      if (states.get(keyOf(state)) === state) states.delete(keyOf(state));
    },
    ofSeat: (seatKey) =>
      [...states.values()]
        .filter((s) => s.seat.key === seatKey)
        .sort((a, b) => a.room.localeCompare(b.room)),
    forget(state) {
      const key = keyOf(state);
      if (states.get(key) !== state) return;
      states.delete(key);
      store.deleteRoom(state.seat.key, state.room).catch((err: unknown) => {
        log.error("room not removed from the store", {
          owner: state.seat.key,
          room: state.room,
          err,
        });
      });
    },
    record: (state) =>
      store.putRoom({
        owner: state.seat.key,
        room: state.room,
        nick: state.nick,
        password: state.password,
        joinedAt: state.joinedAt,
      }),
    unrecord: (seat, room) => store.deleteRoom(seat.key, room),
    track(state, entry) {
      const key = keyOf(state);
      const done: Promise<void> = entry.then(
        () => {},
        () => {},
      );
      entries.set(key, done);
      void done.then(() => {
        if (entries.get(key) === done) entries.delete(key);
      });
      return entry;
    },
    async idle(seat, room) {
      const key = roomKey(seat.key, room);
      for (let entry = entries.get(key); entry; entry = entries.get(key)) await entry;
    },
  };
}
