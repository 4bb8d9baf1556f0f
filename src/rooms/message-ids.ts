/**
 * A room's recent message ids: which API id each id a message is known by stands for. A room
 * message is named by the room's stanza-id (the seat's own message by the origin-id it was
 * posted with), but a correction names its sender's own id (XEP-0308), so the bridge
 * translates when it notes a message (rooms/inbound.ts). Bounded: the oldest ids go first;
 * older messages are named by the id the XEP uses.
 */
import type { RoomStore } from "../store/rooms.js";

/** Ids kept per room (two or three per message). */
export const ROOM_IDS_KEPT = 3_000;

export class RoomMessageIds {
  private readonly ids = new Map<string, string>();

  constructor(private readonly limit = ROOM_IDS_KEPT) {}

  /** Records that these ids name the message with API id `messageId`. */
  remember(messageId: string, ...ids: (string | undefined)[]): void {
    for (const id of [messageId, ...ids]) {
      if (id === undefined || id === "") continue;
      this.ids.delete(id);
      this.ids.set(id, messageId);
    }
    while (this.ids.size > this.limit) {
      const oldest = this.ids.keys().next().value;
      if (oldest === undefined) break;
      this.ids.delete(oldest);
    }
  }

  /** The API id for an id a message was named by; the id itself when unknown. */
  apiId(id: string): string {
    return this.ids.get(id) ?? id;
  }
}

/** Messages per room whose ids are read back at start: references to them keep their names. */
export const IDS_LOADED = 500;

/** Remembers the ids of the messages the store kept last for the room (after a restart). */
export async function loadRoomIds(
  store: Pick<RoomStore, "pageRoomMessages">,
  room: { readonly owner: string; readonly room: string; readonly ids: RoomMessageIds },
): Promise<void> {
  const page = await store.pageRoomMessages(room.owner, room.room, { limit: IDS_LOADED });
  for (const m of [...page.messages].reverse()) {
    if (m.messageId) room.ids.remember(m.messageId, m.originId, m.stanzaId);
  }
}
