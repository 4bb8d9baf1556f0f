/**
 * Entering a room (XEP-0045 §7.2): send the presence, wait for the room's answer
 * (the bot's own presence, status 110, or an error presence), configure a room the
 * bot has just created as an instant room (§10.1.2: until then the room is locked
 * and nobody else can enter) unless the caller configures it itself (§10.1.3), and wait
 * for the subject, which ends the join (§7.2.15).
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "../log.js";
import type { StanzaError } from "../stanza/errors.js";
import { joinRefusal, joinTimeout } from "./errors.js";
import { instantRoom, joinPresence } from "./stanzas.js";
import type { PendingEntry, RoomState } from "./state.js";

/** How long to wait for the subject once in: both servers send it at once; a missing one only delays the answer. */
const SUBJECT_WAIT_MS = 2_000;

export interface EnterDeps {
  readonly log: Logger;
  readonly timeoutMs: number;
}

export interface EnterRequest {
  readonly nick: string;
  readonly password: string | undefined;
  readonly history: number;
  readonly mode: PendingEntry["mode"];
  /** A room this entry creates is accepted as an instant room; false: the caller configures it. */
  readonly instant: boolean;
}

/** Resolves true when the bot created the room; rejects with the room's refusal as an HTTP error. */
export async function enterRoom(
  state: RoomState,
  request: EnterRequest,
  deps: EnterDeps,
): Promise<boolean> {
  const { timeoutMs } = deps;
  const { connection, address } = state.seat;
  let markSubject = () => {};
  const subject = new Promise<void>((resolve) => {
    markSubject = resolve;
  });
  let timer: NodeJS.Timeout | undefined;
  const entered = new Promise<void>((resolve, reject) => {
    const pending: PendingEntry = {
      nick: request.nick,
      mode: request.mode,
      selfSeen: false,
      created: false,
      history: request.history > 0,
      entered: resolve,
      refused: (error: StanzaError) => reject(joinRefusal(error)),
      abort: reject,
      subjectSeen: markSubject,
    };
    state.pending = pending;
    timer = setTimeout(() => reject(joinTimeout(state.room, timeoutMs / 1000)), timeoutMs);
  });
  // Marked handled now: the room may refuse before the send below has resolved.
  entered.catch(() => {});
  try {
    await connection.send(
      joinPresence(address, state.room, request.nick, {
        password: request.password,
        history: request.history,
      }),
    );
    await entered;
    clearTimeout(timer);
    const created = state.pending?.created === true;
    if (created && request.instant) await configureInstantRoom(state, deps);
    let subjectTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      subject,
      new Promise<void>((resolve) => {
        subjectTimer = setTimeout(resolve, created ? 0 : SUBJECT_WAIT_MS);
      }),
    ]);
    clearTimeout(subjectTimer);
    return created;
  } finally {
    clearTimeout(timer);
    state.pending = undefined;
  }
}

async function configureInstantRoom(state: RoomState, deps: EnterDeps): Promise<void> {
  const { room, seat } = state;
  const id = `room-config-${randomUUID()}`;
  const { reply: answer } = await seat.connection.request(
    instantRoom(seat.address, room, id),
    deps.timeoutMs,
  );
  if (answer.attrs.type === "error") {
    deps.log.warn("room created but not configured: it stays locked", { room });
  }
}
