/**
 * XEP-0198 stream management, the client's half: counts the stanzas it handled (h, answered
 * to the server's <r/>), keeps what it sent until the server acknowledges it (asking with
 * <r/> once per event-loop turn), and after a lost connection resumes the session (§5),
 * sending again what the server had not acknowledged; the server replays what it held.
 */
import xml, { type Element } from "@xmpp/xml";

export const NS_SM = "urn:xmpp:sm:3";

const STANZAS = new Set(["message", "presence", "iq"]);
/** Counters wrap at 2^32 (XEP-0198 §4). */
const MOD = 2 ** 32;

export interface StreamManagement {
  /** Whether the current stream has stream management on. */
  readonly enabled: boolean;
  /** The id to resume with, while the server keeps the session. */
  readonly resumeId: string | undefined;
  /** Stanzas sent and not yet acknowledged. */
  readonly unacked: number;
  /** The stream went online with SM on (after <enabled/>). */
  started(id: string | undefined, resumable: boolean): void;
  /** The session was resumed: acknowledges up to h, returns what must be sent again. */
  resumed(h: number): string[];
  /** Resumption failed or was not tried: a new session; returns what was never acknowledged. */
  reset(): string[];
  /** Before a stanza is written: counts it and keeps it. */
  sent(text: string): void;
  /** Every top-level element from the server: true when it was SM's own (<r/>, <a/>). */
  received(element: Element, reply: (text: string) => void): boolean;
  /** The stream is gone; the counters stay for resumption. */
  suspend(): void;
  /** <resume/> for the previous session. */
  resumeRequest(): Element | undefined;
  /** Asks the server for an ack (once per turn at most). */
  requestAck(write: (text: string) => void): void;
}

export function createStreamManagement(maxUnacked = 5_000): StreamManagement {
  let enabled = false;
  let resumeId: string | undefined;
  let inbound = 0;
  let acked = 0;
  // The texts sent since the last acknowledged one, oldest first.
  let queue: string[] = [];
  let askPending = false;

  const ack = (h: number) => {
    const count = (h - acked + MOD) % MOD;
    if (count > queue.length) {
      // The server acknowledges more than was sent: trust nothing beyond what we have.
      queue = [];
    } else queue.splice(0, count);
    acked = h;
  };

  return {
    get enabled() {
      return enabled;
    },
    get resumeId() {
      return resumeId;
    },
    get unacked() {
      return queue.length;
    },
    started(id, resumable) {
      enabled = true;
      resumeId = resumable ? id : undefined;
      inbound = 0;
      acked = 0;
    },
    resumed(h) {
      enabled = true;
      ack(h);
      const again = queue;
      // The caller sends them again, and they are counted again as they go.
      queue = [];
      return again;
    },
    reset() {
      const lost = queue;
      queue = [];
      enabled = false;
      resumeId = undefined;
      inbound = 0;
      acked = 0;
      return lost;
    },
    sent(text) {
      if (!enabled) return;
      queue.push(text);
      // A server that never acknowledges cannot make the bridge hold everything.
      if (queue.length > maxUnacked) {
        queue.shift();
        acked = (acked + 1) % MOD;
      }
    },
    received(element, reply) {
      if (element.attrs.xmlns === NS_SM) {
        if (element.name === "r") reply(`<a xmlns='${NS_SM}' h='${inbound}'/>`);
        else if (element.name === "a") ack(Number(element.attrs.h) >>> 0);
        return element.name === "r" || element.name === "a";
      }
      if (enabled && STANZAS.has(element.name)) inbound = (inbound + 1) % MOD;
      return false;
    },
    suspend() {
      enabled = false;
      askPending = false;
    },
    resumeRequest() {
      if (!resumeId) return undefined;
      return xml("resume", { xmlns: NS_SM, previd: resumeId, h: String(inbound) });
    },
    requestAck(write) {
      if (!enabled || askPending) return;
      askPending = true;
      setImmediate(() => {
        askPending = false;
        if (enabled && queue.length > 0) write(`<r xmlns='${NS_SM}'/>`);
      });
    },
  };
}
