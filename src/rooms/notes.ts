/**
 * The bridge's note on a room stanza: one `room-event` element (README, "Rooms")
 * added before the stanza is stored and handed to the bot, so every way out
 * (webhook in XML, JSON or form, SSE, WebSocket, long-poll) carries it; the JSON
 * mapping shows it as `room_event`.
 */
import xml, { type Element } from "@xmpp/xml";
import { NS } from "../stanza/ns.js";

export const ROOM_EVENT_TYPES = [
  "message",
  "subject",
  "occupant-joined",
  "occupant-left",
  "occupant-changed",
  "occupant-renamed",
  "joined",
  "kicked",
  "banned",
  "destroyed",
  "removed",
  "shutdown",
  "join-failed",
  "invitation",
] as const;
export type RoomEventType = (typeof ROOM_EVENT_TYPES)[number];

export type RoomEventFields = Readonly<Record<string, string | boolean | undefined>>;

/** Adds the note; undefined fields are left out. */
export function addRoomEvent(
  stanza: Element,
  type: RoomEventType,
  room: string,
  fields: RoomEventFields = {},
): Element {
  const attrs: Record<string, string> = { xmlns: NS.roomEvent, type, room };
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined) attrs[name] = String(value);
  }
  stanza.append(xml("room-event", attrs));
  return stanza;
}

/** Removes any note the sender put there itself: only the bridge writes them. */
export function stripRoomEvents(stanza: Element): void {
  const forged = stanza.getChildren("room-event", NS.roomEvent);
  if (forged.length === 0) return;
  stanza.children = stanza.children.filter((c) => !forged.includes(c as Element));
}
