/**
 * A room's recent message ids: which API id each id a message is known by stands for. A room
 * message is named by the room's stanza-id (the seat's own message by the origin-id it was
 * posted with), but a correction names its sender's own id (XEP-0308), so the bridge
 * translates when it notes a message (rooms/inbound.ts). Bounded: the oldest ids go first;
 * older messages are named by the id the XEP uses.
 */

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
