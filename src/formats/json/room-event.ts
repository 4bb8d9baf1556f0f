/**
 * `room_event`: the bridge's own note on a stanza from a room a bot is in
 * (README, "Rooms": message, subject, occupant-joined, kicked, invitation, ...).
 * Only the bridge writes it, on the way in; a client cannot send one.
 */
import { NS } from "../../stanza/ns.js";
import { invalid } from "./check.js";
import { child } from "./dom.js";
import { field } from "./field.js";
import type { JsonRoomEvent } from "./types.js";

/** Attributes that read as booleans; every other attribute is a string field. */
const FLAGS = new Set(["self", "history", "created", "rejoin"]);

export const roomEvent = field({
  field: "room_event",
  kinds: ["message", "presence"],
  read(stanza): JsonRoomEvent | undefined {
    const note = child(stanza, "room-event", NS.roomEvent);
    if (!note) return undefined;
    const event: Record<string, string | boolean> = {};
    for (const [name, value] of Object.entries(note.attrs)) {
      if (name === "xmlns" || typeof value !== "string") continue;
      event[name] = FLAGS.has(name) ? value === "true" : value;
    }
    return event as unknown as JsonRoomEvent;
  },
  write(value) {
    throw invalid("room_event", "nothing: the bridge adds it to room stanzas it receives", value);
  },
});
