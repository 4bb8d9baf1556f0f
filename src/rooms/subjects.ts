/**
 * Subject changes waiting for the room's answer (XEP-0045 §8.1): the room reflects
 * the new subject to every occupant, the bot included, or answers an error message
 * with the request's id (§8.2: forbidden for a participant where only moderators may).
 */
import type { Element } from "@xmpp/xml";
import { StanzaError, timedOut } from "../stanza/errors.js";
import { type RoomState, roomKey } from "./state.js";

interface Waiter {
  readonly key: string;
  readonly resolve: () => void;
  readonly reject: (err: StanzaError) => void;
  readonly timer: NodeJS.Timeout;
}

export interface SubjectWaiters {
  wait(state: RoomState, id: string): Promise<void>;
  /** The room reflected a subject from the bot: the oldest change of that room is done. */
  settle(state: RoomState, stanza: Element): void;
  /** True (and the waiter fails) when the stanza is the room's error for a change. */
  refused(stanza: Element): boolean;
  cancel(id: string): void;
  clear(): void;
}

export function createSubjectWaiters(timeoutMs: number): SubjectWaiters {
  const waiters = new Map<string, Waiter>();
  const take = (id: string) => {
    const waiter = waiters.get(id);
    if (!waiter) return undefined;
    waiters.delete(id);
    clearTimeout(waiter.timer);
    return waiter;
  };
  return {
    wait(state, id) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          take(id);
          reject(timedOut(`${state.room} did not confirm the subject within ${timeoutMs / 1000}s`));
        }, timeoutMs);
        waiters.set(id, { key: roomKey(state.seat.key, state.room), resolve, reject, timer });
      });
    },
    settle(state, stanza) {
      const id = stanza.attrs.id;
      const key = roomKey(state.seat.key, state.room);
      const match =
        id !== undefined && waiters.get(id)?.key === key
          ? id
          : [...waiters].find(([, w]) => w.key === key)?.[0];
      if (match !== undefined) take(match)?.resolve();
    },
    refused(stanza) {
      if (stanza.attrs.type !== "error" || stanza.attrs.id === undefined) return false;
      const waiter = take(stanza.attrs.id);
      if (!waiter) return false;
      waiter.reject(
        StanzaError.fromElement(stanza) ??
          new StanzaError("cancel", "undefined-condition", { status: 502 }),
      );
      return true;
    },
    cancel(id) {
      take(id);
    },
    clear() {
      for (const id of [...waiters.keys()]) take(id);
    },
  };
}
