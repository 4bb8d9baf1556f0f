/**
 * Rooms (XEP-0045) for owners, through their seats: join (with a configuration and members),
 * leave, post, subject, history (the store, then the room's archive), mediated invitations,
 * administration (./manage.ts: details, configuration, affiliations, roles, destruction);
 * occupants tracked from
 * presence; the rooms each seat is in kept in the store and re-joined after every reconnect
 * and restart; invitations noted and, where the owner wants it, accepted. Every room stanza
 * to an owner gets a room-event note (./notes.ts) and then takes the owner's usual way
 * (webhook or pull log).
 */
import { randomUUID } from "node:crypto";
import type { Element } from "@xmpp/xml";
import type { Logger } from "../log.js";
import { describeOwner, type Owner, ownerId, ownerOf } from "../owner.js";
import { notFound } from "../stanza/errors.js";
import type { Jid } from "../stanza/jid.js";
import type { RoomStore } from "../store/rooms.js";
import { createRoomArchive } from "./archive.js";
import { createRoomEffects } from "./effects.js";
import { notInRoom } from "./errors.js";
import {
  ARCHIVE_TIMEOUT_MS,
  type HistoryQuery,
  type RoomHistoryPage,
  roomHistory,
} from "./history.js";
import type { Verdict } from "./inbound.js";
import { type InviteOutcome, invite } from "./invite.js";
import { createJoining, type JoinRequest, type JoinResult } from "./joining.js";
import { createRoomManagement, type RoomManagement } from "./manage.js";
import { loadRoomIds } from "./message-ids.js";
import { moderate } from "./moderation.js";
import { createRoomRouter } from "./router.js";
import { connectionDown, type RoomConnection, type Seat, type Seats } from "./seat.js";
import { subjectMessage } from "./stanzas.js";
import { type RoomView, roomKey, roomView } from "./state.js";
import { createSubjectWaiters } from "./subjects.js";
import { createRoomTable } from "./table.js";

export type { Affiliation, AffiliationLists, ListedAffiliation, Role } from "./admin.js";
export type { RoomConfig, RoomConfigSummary, RoomConfigView } from "./config.js";
export type { JoinRequest, JoinResult } from "./joining.js";
export type { RoomDetails, RoomManagement } from "./manage.js";
export type { ConfigChanged, Destruction } from "./owner.js";
/** What a room post may ask of the way out beside the message itself. */
export interface PostOptions {
  /** Replies to the message with this API id (XEP-0461). */
  readonly replyTo?: string | undefined;
}
export type { RoomConnection, Seat, Seats } from "./seat.js";
export type { RoomView } from "./state.js";

export interface Rooms extends RoomManagement {
  /** Enters (creating the room where the service allows) and sets it up as asked. */
  join(owner: Owner, room: string, request: JoinRequest): Promise<JoinResult>;
  /** 409 (not in the room) when the owner was not there. */
  leave(owner: Owner, room: string): Promise<void>;
  list(owner: Owner): RoomView[];
  /**
   * Says something in a room (a groupchat message from the seat); 409 when not in. Resolves
   * with the message's API id (its origin-id: the room's reflection carries it too).
   */
  post(owner: Owner, room: string, message: Element, options?: PostOptions): Promise<string>;
  /**
   * Asks the room to retract an occupant's message (XEP-0425), named by the room's
   * stanza-id: the seat must be a moderator there (403 otherwise), and the room must support
   * it (501 otherwise); 409 when not in.
   */
  moderate(owner: Owner, room: string, stanzaId: string, reason?: string): Promise<void>;
  /** Changes the subject and waits for the room to reflect it (§8.1). */
  setSubject(owner: Owner, room: string, subject: string): Promise<RoomView>;
  /** What was said in the room, newest first: the store, then the room's archive. */
  history(owner: Owner, room: string, query: HistoryQuery): Promise<RoomHistoryPage>;
  /** A mediated invitation (§7.8.2) from a seat that is in the room. */
  invite(owner: Owner, room: string, jid: string, reason?: string): Promise<InviteOutcome>;
  /**
   * Takes an inbound stanza to an owner, `from` parsed. "consumed": the rooms part answered
   * it (a join's roster, a leave's confirmation); "room": a room stanza, noted, for the
   * owner (not for its one-to-one history); "other": not about a room.
   */
  handle(owner: Owner, stanza: Element, from: Jid): Verdict;
  /**
   * Reads the joined rooms from the store; they are entered once their connection is online.
   * Again later (another process held the link meanwhile): rooms joined elsewhere are added,
   * rooms left elsewhere dropped, and the ones known already stay as they are.
   */
  load(): Promise<void>;
  stop(): void;
}

export interface RoomsOptions {
  readonly store: Pick<
    RoomStore,
    | "listRooms"
    | "putRoom"
    | "deleteRoom"
    | "appendRoomMessage"
    | "pageRoomMessages"
    | "amendRoomMessage"
  >;
  readonly seats: Seats;
  /** The one way out for what an owner says in a room (its scope and history rules). */
  readonly post: (owner: Owner, message: Element, options: PostOptions) => Promise<{ id?: string }>;
  readonly log: Logger;
  /** How long a join or subject change waits for the room. */
  readonly timeoutMs: number;
  readonly now?: () => Date;
}

export function createRooms(options: RoomsOptions): Rooms {
  const { store, seats, log, timeoutMs } = options;
  const now = options.now ?? (() => new Date());
  const table = createRoomTable({ store, log, now });
  const subjects = createSubjectWaiters(timeoutMs);
  const effects = createRoomEffects({ store, subjects, log, forget: table.forget, now });
  const kept = async (seat: Seat, room: string) =>
    (await store.listRooms(seat.key)).some((r) => r.room === room);
  const joining = createJoining({ table, log, timeoutMs, kept });
  const watched = new Map<RoomConnection, () => void>();
  const watch = (connection: RoomConnection) => {
    if (watched.has(connection)) return;
    watched.set(
      connection,
      connection.onStateChange((state) => joining.connectionChanged(connection, state)),
    );
  };

  const seatOf = (owner: Owner): Seat => {
    const seat = seats.seatOf(owner);
    if (!seat) throw notFound(`no ${describeOwner(owner)}`);
    watch(seat.connection);
    return seat;
  };

  // A removed owner leaves its rooms (the store forgot them with the owner).
  const offRemoved = seats.onRemoved((owner) => joining.forget(ownerId(owner)));

  const route = createRoomRouter({
    states: table.states,
    leaving: table.leaving,
    subjects,
    effects,
    invited(seat, invitation) {
      if (!seats.autoJoins(seat.owner) || table.get(seat, invitation.room)) return;
      log.info("accepting an invitation", { owner: seat.key, room: invitation.room });
      api
        .join(seat.owner, invitation.room, { nick: seat.nick, password: invitation.password })
        .catch((err: unknown) => {
          log.warn("invitation not accepted: join failed", {
            owner: seat.key,
            room: invitation.room,
            err,
          });
        });
    },
  });

  const manage = createRoomManagement({ table, seatOf, timeoutMs });
  const api: Rooms = {
    ...manage,
    async join(owner, room, request) {
      const joined = await joining.join(seatOf(owner), room, request);
      seats.joined?.(owner, room, joined.room.nick);
      return joined;
    },
    async leave(owner, room) {
      if (!(await joining.leave(seatOf(owner), room))) {
        throw notInRoom(owner, room, "it has not joined it");
      }
      seats.left?.(owner, room);
    },
    // A destroyed room is gone for every client of the owner too.
    async destroy(owner, room, destruction) {
      await manage.destroy(owner, room, destruction);
      seats.left?.(owner, room);
    },
    list: (owner) => table.ofSeat(seatOf(owner).key).map(roomView),
    async post(owner, room, message, postOptions = {}) {
      const seat = seatOf(owner);
      table.joined(seat, room);
      message.attrs.from = seat.address;
      message.attrs.to = room;
      message.attrs.type = "groupchat";
      const sent = await options.post(owner, message, postOptions);
      return sent.id ?? message.attrs.id ?? "";
    },
    moderate: (owner, room, stanzaId, reason) =>
      moderate(table.joined(seatOf(owner), room).seat, { room, id: stanzaId, reason }, timeoutMs),
    async setSubject(owner, room, subject) {
      const state = table.joined(seatOf(owner), room);
      const id = `subject-${randomUUID()}`;
      const reflected = subjects.wait(state, id);
      try {
        await state.seat.connection.send(subjectMessage(state.seat.address, room, subject, id));
      } catch (err) {
        subjects.cancel(id);
        throw err;
      }
      await reflected;
      return roomView(state);
    },
    history(owner, room, query) {
      const seat = seatOf(owner);
      const { connection } = seat;
      const archive = () => {
        if (connection.state !== "online") throw connectionDown(connection);
        return createRoomArchive(connection, Math.min(timeoutMs, ARCHIVE_TIMEOUT_MS));
      };
      return roomHistory({ store, seatKey: seat.key, address: seat.address, room, archive }, query);
    },
    async invite(owner, room, jid, reason) {
      const seat = seatOf(owner);
      const state = table.get(seat, room);
      if (state?.status !== "joined") {
        // The room only relays invitations from its occupants (ejabberd refuses the others).
        throw notInRoom(
          owner,
          room,
          state
            ? `it is ${state.status} right now; retry once it is back`
            : "join it first (PUT .../rooms/{room})",
        );
      }
      if (seat.connection.state !== "online") throw connectionDown(seat.connection);
      return invite(seat.connection, { from: seat.address, room, jid, reason });
    },
    handle(owner, stanza, from) {
      try {
        const seat = seats.seatOf(owner);
        return seat ? route(seat, stanza, from) : "other";
      } catch (err) {
        log.error("room stanza not handled", { err });
        return "other";
      }
    },
    async load() {
      const kept = new Set<string>();
      for (const record of await store.listRooms()) {
        const owner = ownerOf(record.owner);
        const seat = owner && seats.seatOf(owner);
        if (!seat) continue;
        watch(seat.connection);
        kept.add(roomKey(seat.key, record.room));
        if (table.get(seat, record.room)) continue;
        const state = table.fresh(seat, record.room, record.nick, record.password);
        state.joinedAt = record.joinedAt;
        state.status = "offline";
        table.add(state);
        await loadRoomIds(store, { owner: seat.key, room: record.room, ids: state.ids });
      }
      for (const [key, state] of table.states) {
        // Left through another process; an entry under way here is not touched.
        if (!kept.has(key) && !state.pending && state.status !== "joined") table.drop(state);
      }
      for (const state of table.states.values()) {
        if (state.seat.connection.state === "online") joining.rejoin(state);
      }
    },
    stop() {
      for (const off of watched.values()) off();
      watched.clear();
      offRemoved();
      subjects.clear();
    },
  };
  return api;
}
