import type { StanzaError } from "../stanza/errors.js";
import type { RoomMessageIds } from "./message-ids.js";
import type { Occupant } from "./presence.js";
import type { Seat } from "./seat.js";

/** Where a seat stands in a room: one list, the API's enum derives from it. */
export const ROOM_STATUSES = ["joining", "joined", "offline"] as const;
export type RoomStatus = (typeof ROOM_STATUSES)[number];

/** An entry (join, re-join or nick change) waiting for the room's answer. */
export interface PendingEntry {
  readonly nick: string;
  /** rejoin: after a reconnect or restart, nobody waits on an HTTP answer. */
  readonly mode: "join" | "rejoin" | "nick";
  /** The bot's own presence (status 110) arrived. */
  selfSeen: boolean;
  /** Status 201: the bot created the room, which waits for its configuration (§10.1). */
  created: boolean;
  /** Discussion history was asked for: delayed messages before the subject are history. */
  readonly history: boolean;
  entered(): void;
  /** The room's error presence (mapped to its HTTP status by the waiter). */
  refused(error: StanzaError): void;
  /** Gives up without an answer from the room (the link went down). */
  abort(error: StanzaError): void;
  subjectSeen(): void;
}

/** What the bridge knows of one room one seat is in (occupants only from presence). */
export interface RoomState {
  readonly seat: Seat;
  readonly room: string;
  nick: string;
  password: string | undefined;
  /** Milliseconds since the epoch, when the bot first joined. */
  joinedAt: number;
  status: RoomStatus;
  subject: string | undefined;
  /** By nick, the bot included. */
  readonly occupants: Map<string, Occupant>;
  pending: PendingEntry | undefined;
  /** Recent messages' ids, for naming them as the API does (./message-ids.ts). */
  readonly ids: RoomMessageIds;
}

/** The key of a seat's room: the owner's id and the room's bare JID. */
export const roomKey = (seatKey: string, room: string) => `${seatKey}\n${room}`;

/** A room as GET /v1/bots/{name}/rooms shows it. */
export interface RoomView {
  readonly room: string;
  readonly nick: string;
  readonly status: RoomStatus;
  readonly subject: string | null;
  readonly occupants: readonly Occupant[];
  /** Milliseconds since the epoch. */
  readonly joinedAt: number;
}

export function roomView(state: RoomState): RoomView {
  return {
    room: state.room,
    nick: state.nick,
    status: state.status,
    subject: state.subject ?? null,
    occupants: [...state.occupants.values()].sort((a, b) => a.nick.localeCompare(b.nick)),
    joinedAt: state.joinedAt,
  };
}
