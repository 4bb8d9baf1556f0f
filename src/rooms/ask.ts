import { randomUUID } from "node:crypto";
import type { Element } from "@xmpp/xml";
import { StanzaError } from "../stanza/errors.js";
import type { IqReply } from "../xmpp/iq-tracker.js";
import { adminRefusal } from "./errors.js";
import type { RoomConnection } from "./seat.js";
import type { RoomState } from "./state.js";

/** The part of a connection an iq the bridge asks itself needs. */
export type Asker = Pick<RoomConnection, "request">;

/** A fresh iq id: the tracker keys waiters by id, so it must not collide with a caller's. */
export function newIqId(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

/**
 * Sends an iq the bridge itself asks (a room's archive, a service's directory) and
 * waits for its reply through the connection's pending-iq tracker, so replies and XEP-0313
 * result messages are taken off the inbound path before any owner's routing sees them.
 * Resolves with a result; an error reply is thrown as its StanzaError (RFC 6120 §8.3, `by`
 * the responder unless it said otherwise),
 * a silent responder as 504 (the tracker's timeout), a down link as 503.
 */
export async function askIq(
  connection: Asker,
  iq: Element,
  timeoutMs: number,
  options: { mamQueryId?: string } = {},
): Promise<IqReply> {
  const to = iq.attrs.to ?? "";
  const answer = await connection.request(iq, timeoutMs, options);
  if (answer.reply.attrs.type === "error") {
    const err = StanzaError.fromElement(answer.reply);
    // `by` names who refused (RFC 6120 §8.3.2); servers often leave it out, and callers
    // tell the responder's refusal from the bridge's own (a down link) by it.
    throw new StanzaError(err?.type ?? "cancel", err?.condition ?? "undefined-condition", {
      text: err?.text ?? (err ? undefined : `${to} answered an error`),
      by: err?.by ?? to,
    });
  }
  return answer;
}

/** One seat asking one room (XEP-0045 §8-§10): over which connection, from where, how long. */
export interface RoomAsk {
  readonly connection: Asker;
  /** The seat's address: the room knows its affiliation by the bare JID of it. */
  readonly from: string;
  readonly room: string;
  readonly timeoutMs: number;
}

/**
 * Sends an owner's or admin's request to the room and resolves with the result; the room's
 * refusal is thrown with its status from rooms/errors.ts ADMIN_REFUSALS.
 */
export async function askRoom(ask: RoomAsk, build: (id: string) => Element): Promise<Element> {
  try {
    return (await askIq(ask.connection, build(newIqId("room-admin")), ask.timeoutMs)).reply;
  } catch (err) {
    throw err instanceof StanzaError && err.by !== undefined ? adminRefusal(err) : err;
  }
}

/** The seat of `state` asking its room. */
export function roomAsk(state: RoomState, timeoutMs: number): RoomAsk {
  return {
    connection: state.seat.connection,
    from: state.seat.address,
    room: state.room,
    timeoutMs,
  };
}
