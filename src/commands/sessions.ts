/**
 * The runs of owners' XEP-0050 commands: one session per run (§3.3), its id given by the
 * bridge, the user's iq waiting for the owner's answer (within the iq timeout), and what
 * ended or expired (§4.6: an id the bridge never gave is `bad-sessionid`, one whose session
 * is over is `session-expired`). No I/O: timers and the answer sent on timeout are injected.
 */
import { randomUUID } from "node:crypto";
import type { Element } from "@xmpp/xml";

export interface Session {
  readonly id: string;
  /** The owner id (src/owner.ts). */
  readonly owner: string;
  readonly node: string;
  /** The user running it (full JID): only its iqs belong to the session. */
  readonly requester: string;
  /** The user's iq the owner's answer goes to, while one waits. */
  waiting: { readonly iq: Element; readonly timer: NodeJS.Timeout } | undefined;
  /** When an idle session (waiting for the user's next step) expires, ms. */
  idleUntil: number;
}

export interface SessionOptions {
  /** How long a user's iq waits for the owner's answer, ms. */
  readonly answerMs: number;
  /** How long a session waits for the user's next step, ms. */
  readonly idleMs: number;
  /** Called when an owner did not answer in time (the session ends). */
  readonly timedOut: (session: Session, iq: Element) => void;
  readonly now?: () => number;
}

/** Ids of ended sessions remembered for `session-expired`; beyond it the oldest are forgotten. */
const ENDED_KEPT = 10_000;

export type Lookup =
  | { readonly kind: "found"; readonly session: Session }
  | { readonly kind: "expired" }
  | { readonly kind: "unknown" };

export class Sessions {
  private readonly live = new Map<string, Session>();
  private readonly ended = new Set<string>();
  private readonly now: () => number;

  constructor(private readonly options: SessionOptions) {
    this.now = options.now ?? Date.now;
  }

  /** A new run; its first iq waits for the owner's answer. */
  start(owner: string, node: string, iq: Element): Session {
    this.sweep();
    const session: Session = {
      id: randomUUID(),
      owner,
      node,
      requester: iq.attrs.from ?? "",
      waiting: undefined,
      idleUntil: 0,
    };
    this.live.set(session.id, session);
    this.wait(session, iq);
    return session;
  }

  /** The session an id names, for this owner. */
  find(owner: string, id: string): Lookup {
    this.sweep();
    const session = this.live.get(id);
    if (session && session.owner === owner) return { kind: "found", session };
    return this.ended.has(id) ? { kind: "expired" } : { kind: "unknown" };
  }

  /** The user's next iq in the session waits for the owner's answer. */
  wait(session: Session, iq: Element): void {
    this.release(session);
    const timer = setTimeout(() => {
      if (session.waiting?.iq !== iq) return;
      session.waiting = undefined;
      this.end(session);
      this.options.timedOut(session, iq);
    }, this.options.answerMs);
    timer.unref();
    session.waiting = { iq, timer };
  }

  /** Takes the waiting iq to answer it; the session then waits for the user's next step. */
  take(session: Session): Element | undefined {
    const iq = session.waiting?.iq;
    this.release(session);
    session.idleUntil = this.now() + this.options.idleMs;
    return iq;
  }

  /** The session is over (completed, canceled, failed): its id now reads as expired. */
  end(session: Session): void {
    this.release(session);
    this.live.delete(session.id);
    this.ended.add(session.id);
    if (this.ended.size > ENDED_KEPT) {
      const oldest = this.ended.values().next().value;
      if (oldest !== undefined) this.ended.delete(oldest);
    }
  }

  /** Forgets everything (shutdown): nothing is sent. */
  clear(): void {
    for (const session of this.live.values()) this.release(session);
    this.live.clear();
  }

  private release(session: Session): void {
    if (session.waiting) clearTimeout(session.waiting.timer);
    session.waiting = undefined;
  }

  /** Idle sessions past their time end. */
  private sweep(): void {
    const now = this.now();
    for (const session of this.live.values()) {
      if (!session.waiting && session.idleUntil !== 0 && session.idleUntil < now) this.end(session);
    }
  }
}
