/** What room stanzas do beyond the room's state: the store, the subject waiters, the log. */
import { serializeStanza } from "../formats/xml.js";
import type { Logger } from "../log.js";
import type { RoomStore } from "../store/rooms.js";
import type { RoomEffects } from "./inbound.js";
import type { RoomState } from "./state.js";
import type { SubjectWaiters } from "./subjects.js";

export interface EffectsOptions {
  readonly store: Pick<RoomStore, "appendRoomMessage" | "amendRoomMessage">;
  readonly subjects: Pick<SubjectWaiters, "settle">;
  readonly log: Logger;
  /** Forgets a room the bot is out of for good (memory and store). */
  readonly forget: (state: RoomState) => void;
  readonly now: () => Date;
}

export function createRoomEffects(options: EffectsOptions): RoomEffects {
  const { store, subjects, log, forget, now } = options;
  return {
    removed(state) {
      log.info("removed from a room", { owner: state.seat.key, room: state.room });
      forget(state);
    },
    suspended(state) {
      state.status = "offline";
    },
    said(state, stanza, nick, body, ids) {
      store
        .appendRoomMessage({
          owner: state.seat.key,
          room: state.room,
          nick,
          from: stanza.attrs.from ?? "",
          body,
          stanza: serializeStanza(stanza),
          time: now().getTime(),
          ...ids,
        })
        .catch((err: unknown) => {
          log.error("room message not stored", { owner: state.seat.key, room: state.room, err });
        });
    },
    amended(state, targets, change) {
      const dated = { ...change, time: now().getTime() };
      const apply = async () => {
        for (const target of targets) {
          if (await store.amendRoomMessage(state.seat.key, state.room, target, dated)) return;
        }
      };
      apply().catch((err: unknown) => {
        log.error("room message not changed", { owner: state.seat.key, room: state.room, err });
      });
    },
    subjectChanged(state, nick, stanza) {
      if (nick === state.nick) subjects.settle(state, stanza);
    },
  };
}
