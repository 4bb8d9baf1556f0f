/**
 * Entering and leaving rooms (XEP-0045 §7.2, §7.6, §7.14) for seats: a join an HTTP request
 * waits on, the re-join of every kept room after a reconnect or restart (servers drop an
 * occupant they cannot deliver to, so a bridge that was away is out of its rooms), a nick
 * change, and a leave, which also ends a join under way.
 */
import type { Logger } from "../log.js";
import { StanzaError } from "../stanza/errors.js";
import { enterRoom } from "./entering.js";
import { leftMeanwhile } from "./errors.js";
import { connectionDown, type RoomConnection, type Seat } from "./seat.js";
import { type RoomSetup, setUpRoom, wantsSetup } from "./setup.js";
import { leavePresence } from "./stanzas.js";
import { type RoomState, type RoomView, roomKey, roomView } from "./state.js";
import type { RoomTable } from "./table.js";

/** An entry, and what to set up once in (a configuration, members: ./setup.ts). */
export interface JoinRequest extends RoomSetup {
  readonly nick: string;
  readonly password?: string | undefined;
  /** Messages of discussion history to ask for (XEP-0045 §7.2.14); default 0. */
  readonly history?: number | undefined;
}

export interface JoinResult {
  readonly room: RoomView;
  /** The seat created the room (an instant room, or configured as the join asked). */
  readonly created: boolean;
  /** With a configuration: what the service's form does not offer (never silently dropped). */
  readonly ignored?: readonly string[] | undefined;
}

export interface Joining {
  join(seat: Seat, room: string, request: JoinRequest): Promise<JoinResult>;
  /** Enters a room the seat is kept in, after a reconnect or restart: no history (§7.2.14). */
  rejoin(state: RoomState): void;
  /** False when the seat was not in the room (nor kept there by the store). */
  leave(seat: Seat, room: string): Promise<boolean>;
  /** Drops an owner's rooms from memory, leaving those it is in (the store forgot them already). */
  forget(seatKey: string): void;
  /** The connection's state changed: re-join its rooms when online, mark them offline when not. */
  connectionChanged(connection: RoomConnection, state: string): void;
}

export interface JoiningOptions {
  readonly table: RoomTable;
  readonly log: Logger;
  readonly timeoutMs: number;
  /** Whether the store keeps the seat in the room (a failed join then stays, offline). */
  readonly kept: (seat: Seat, room: string) => Promise<boolean>;
}

export function createJoining({ table, log, timeoutMs, kept }: JoiningOptions): Joining {
  const deps = { log, timeoutMs };

  const rejoin = (state: RoomState) => {
    if (state.pending || state.status === "joined") return;
    state.status = "joining";
    state.occupants.clear();
    const request = {
      nick: state.nick,
      password: state.password,
      history: 0,
      mode: "rejoin" as const,
      instant: true,
    };
    const fields = { owner: state.seat.key, room: state.room };
    table.track(state, enterRoom(state, request, deps)).then(
      () => {
        state.status = "joined";
        log.info("back in its room", fields);
      },
      (err: unknown) => {
        state.status = "offline";
        const error = err instanceof StanzaError ? err : undefined;
        // A refusal that will not change by itself (banned, members-only, ...) ends the stay.
        if (error && error.type !== "wait" && error.status !== 503) {
          log.warn("room refused the re-join: forgotten", { ...fields, err });
          table.forget(state);
        } else log.warn("room re-join failed; retried on the next reconnect", { ...fields, err });
      },
    );
  };

  /** The password to enter with next time: the one the join gave the room, else the one it used. */
  const passwordAfter = (request: JoinRequest, used: string | undefined) => {
    const set = request.config?.password;
    return set === undefined ? used : set === "" ? undefined : set;
  };

  /**
   * Sets the room up as the join asked. A seat that came in for this request and cannot do it
   * (403, or the room refused a value) leaves again: the request failed as a whole.
   */
  const setUp = async (
    state: RoomState,
    request: JoinRequest,
    created: boolean,
    fresh: boolean,
  ) => {
    try {
      return await table.track(state, setUpRoom(state, request, created, timeoutMs));
    } catch (err) {
      if (fresh) await leave(state.seat, state.room);
      throw err;
    }
  };

  const enter = async (state: RoomState, request: JoinRequest, fresh: boolean) => {
    const setup = wantsSetup(request);
    const created = await table.track(
      state,
      enterRoom(
        state,
        {
          nick: request.nick,
          password: request.password,
          history: request.history ?? 0,
          mode: fresh ? "join" : "nick",
          instant: !setup,
        },
        deps,
      ),
    );
    if (table.get(state.seat, state.room) !== state)
      throw leftMeanwhile(state.seat.owner, state.room);
    const ignored = setup ? await setUp(state, request, created, fresh) : undefined;
    state.status = "joined";
    state.password = passwordAfter(request, request.password);
    await table.record(state);
    return { room: roomView(state), created, ...(ignored ? { ignored } : {}) };
  };

  const leave = (seat: Seat, room: string) => leaveRoom(table, log, seat, room);

  return {
    async join(seat, room, request) {
      await table.idle(seat, room);
      let state = table.get(seat, room);
      const { password } = request;
      if (state && state.status === "joined" && state.nick === request.nick) {
        const ignored = wantsSetup(request) ? await setUp(state, request, false, false) : undefined;
        const next = passwordAfter(request, password ?? state.password);
        if (next !== state.password) {
          state.password = next;
          await table.record(state);
        }
        return { room: roomView(state), created: false, ...(ignored ? { ignored } : {}) };
      }
      if (seat.connection.state !== "online") throw connectionDown(seat.connection);
      const fresh = state === undefined || state.status !== "joined";
      if (!state) {
        state = table.fresh(seat, room, request.nick, password);
        table.add(state);
      }
      const entering = state;
      if (fresh) {
        entering.status = "joining";
        entering.occupants.clear();
      }
      try {
        return await enter(entering, request, fresh);
      } catch (err) {
        if (fresh && table.get(seat, room) === entering) {
          // Kept (offline) only when the store says the seat belongs there.
          if (await kept(seat, room)) entering.status = "offline";
          else table.drop(entering);
        }
        throw err;
      }
    },
    rejoin,
    leave,
    forget(seatKey) {
      for (const state of table.ofSeat(seatKey)) {
        table.drop(state);
        const { connection, address } = state.seat;
        if (connection.state === "online" && state.status !== "offline") {
          connection.send(leavePresence(address, state.room, state.nick)).catch(() => {});
        }
      }
    },
    connectionChanged(connection, linkState) {
      const mine = [...table.states.values()].filter((s) => s.seat.connection === connection);
      if (linkState === "online") {
        for (const state of mine) rejoin(state);
        return;
      }
      // An entry waiting now cannot be answered on the dropped stream.
      const down = connectionDown(connection);
      for (const [key, via] of [...table.leaving])
        if (via === connection) table.leaving.delete(key);
      for (const state of mine) {
        state.pending?.abort(down);
        state.status = "offline";
        state.occupants.clear();
      }
    },
  };
}

/**
 * Leaves a room (§7.14): out of memory and the store, a join under way ended, and the leave
 * presence sent while the connection is up. False when the seat was not in the room.
 */
async function leaveRoom(table: RoomTable, log: Logger, seat: Seat, room: string) {
  const state = table.get(seat, room);
  if (state) table.drop(state);
  // A join under way ends now; the leave below follows its presence on the stream.
  state?.pending?.abort(leftMeanwhile(seat.owner, room));
  const stored = await table.unrecord(seat, room);
  if (!state) return stored;
  const { connection } = seat;
  if (connection.state === "online" && state.status !== "offline") {
    const key = roomKey(seat.key, room);
    table.leaving.set(key, connection);
    await connection.send(leavePresence(seat.address, room, state.nick)).catch((err: unknown) => {
      table.leaving.delete(key);
      log.warn("leave presence not sent", { owner: seat.key, room, err });
    });
  }
  return true;
}
