/**
 * Room administration for owners through their seats (README, "Rooms"): a room's details,
 * its configuration (XEP-0045 §10.2), affiliations (§9, §10.3-§10.8), roles (§8, §9.6) and
 * destruction (§10.9). Each asks the room from the seat's address, which needs the seat in
 * the room now (409 otherwise, the one answer to "not in the room").
 */
import type { Owner } from "../owner.js";
import { NS } from "../stanza/ns.js";
import {
  type Affiliation,
  type AffiliationLists,
  type ListedAffiliation,
  listAffiliation,
  type Role,
  setAffiliation,
  setRole,
  visibleAffiliations,
} from "./admin.js";
import { askRoom, roomAsk } from "./ask.js";
import type { RoomConfig, RoomConfigSummary, RoomConfigView } from "./config.js";
import { summariseRoomInfo } from "./config-form.js";
import { noOccupant, notInRoom } from "./errors.js";
import {
  type ConfigChanged,
  changeConfig,
  type Destruction,
  destroyRoom,
  readConfig,
} from "./owner.js";
import type { Seat } from "./seat.js";
import { roomInfoIq } from "./stanzas.js";
import { type RoomView, roomKey, roomView } from "./state.js";
import type { RoomTable } from "./table.js";

/** One room as GET .../rooms/{room} shows it: the seat's view, and what the room tells it. */
export interface RoomDetails extends RoomView {
  /** From the room's disco#info; null while the seat is not in the room. */
  readonly config: RoomConfigSummary | null;
  /** The lists the room shows the seat (null each where it does not); null while not in. */
  readonly affiliations: AffiliationLists | null;
}

export interface RoomManagement {
  /** 409 when the owner has no such room; the room's parts are null while it is not in. */
  details(owner: Owner, room: string): Promise<RoomDetails>;
  config(owner: Owner, room: string): Promise<RoomConfigView>;
  configure(owner: Owner, room: string, config: RoomConfig): Promise<ConfigChanged>;
  /** One list (its refusal thrown), or, without `which`, every list the room shows. */
  affiliations(owner: Owner, room: string, which?: ListedAffiliation): Promise<AffiliationLists>;
  setAffiliation(
    owner: Owner,
    room: string,
    jid: string,
    affiliation: Affiliation,
    reason?: string,
  ): Promise<void>;
  /** 404 for a nick that is not in the room as the seat has seen it. */
  setRole(owner: Owner, room: string, nick: string, role: Role, reason?: string): Promise<void>;
  /** Destroys the room; the owner's room list and the store forget it. */
  destroy(owner: Owner, room: string, destruction: Destruction): Promise<void>;
}

export interface RoomManagementOptions {
  readonly table: RoomTable;
  /** The owner's seat; throws 404 for an owner that does not exist. */
  readonly seatOf: (owner: Owner) => Seat;
  readonly timeoutMs: number;
}

export function createRoomManagement(options: RoomManagementOptions): RoomManagement {
  const { table, seatOf, timeoutMs } = options;
  const joined = (owner: Owner, room: string) => table.joined(seatOf(owner), room);
  const ask = (owner: Owner, room: string) => roomAsk(joined(owner, room), timeoutMs);

  return {
    async details(owner, room) {
      const state = table.get(seatOf(owner), room);
      if (!state) throw notInRoom(owner, room, "it has not joined it (PUT .../rooms/{room} first)");
      if (state.status !== "joined")
        return { ...roomView(state), config: null, affiliations: null };
      const target = roomAsk(state, timeoutMs);
      const [info, affiliations] = await Promise.all([
        askRoom(target, (id) => roomInfoIq(target.from, room, id)),
        visibleAffiliations(target),
      ]);
      const query = info.getChild("query", NS.discoInfo);
      return { ...roomView(state), config: query ? summariseRoomInfo(query) : null, affiliations };
    },
    // Async throughout: "not in the room" is a rejection like the room's own refusals.
    config: async (owner, room) => readConfig(ask(owner, room)),
    configure: async (owner, room, config) => changeConfig(ask(owner, room), config),
    async affiliations(owner, room, which) {
      const target = ask(owner, room);
      if (which === undefined) return visibleAffiliations(target);
      return { [which]: await listAffiliation(target, which) };
    },
    setAffiliation: async (owner, room, jid, affiliation, reason) =>
      setAffiliation(ask(owner, room), jid, affiliation, reason),
    async setRole(owner, room, nick, role, reason) {
      const state = joined(owner, room);
      if (!state.occupants.has(nick)) throw noOccupant(room, nick);
      return setRole(roomAsk(state, timeoutMs), nick, role, reason);
    },
    async destroy(owner, room, destruction) {
      const state = joined(owner, room);
      await destroyRoom(roomAsk(state, timeoutMs), destruction);
      // Both servers tell the seat (its unavailable presence with <destroy/>) before they
      // answer, and that forgets the room; a room that answered first is forgotten here, and
      // its late presence is taken as the confirmation of a leave.
      if (table.get(state.seat, room) === state) {
        table.leaving.set(roomKey(state.seat.key, room), state.seat.connection);
        table.forget(state);
      }
    },
  };
}
