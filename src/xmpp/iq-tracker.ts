import type { Element } from "@xmpp/xml";
import type { CounterSeries, GaugeSeries, IqOutcome } from "../metrics.js";
import { busy, conflict, type StanzaError, timedOut } from "../stanza/errors.js";
import { normaliseJid } from "../stanza/jid.js";
import { NS } from "../stanza/ns.js";

export interface IqReply {
  readonly reply: Element;
  /** Messages that belong to the answer (XEP-0313 archive results), in arrival order. */
  readonly results: readonly Element[];
}

interface Pending {
  readonly responder: string;
  readonly results: Element[];
  readonly mamQueryId: string | undefined;
  readonly resolve: (reply: IqReply) => void;
  readonly reject: (err: StanzaError) => void;
  readonly timer: NodeJS.Timeout;
}

export interface ExpectOptions {
  /** Collect XEP-0313 result messages carrying this queryid until the iq result. */
  readonly mamQueryId?: string;
}

export interface IqTracker {
  readonly size: number;
  /**
   * Waits for the reply to an iq about to be sent. Throws at once, before
   * anything is sent, when maxPending iqs already wait (503) or the id is
   * already waiting (409); never evicts an earlier request to make room.
   */
  expect(
    id: string,
    responder: string,
    timeoutMs: number,
    options?: ExpectOptions,
  ): Promise<IqReply>;
  /** Drops a waiter whose iq could not be sent. */
  cancel(id: string, err: StanzaError): void;
  /** Offers an inbound stanza; true when a waiter took it. */
  handle(stanza: Element): boolean;
  /** Fails every waiter, e.g. when the link to the server drops. */
  failAll(err: StanzaError): void;
}

/** The tracker's series of the bridge's instruments, bound to its connection (connection-metrics.ts). */
export interface IqTrackerMetrics {
  readonly pending: GaugeSeries;
  readonly outcomes: Readonly<Record<IqOutcome, CounterSeries>>;
}

export interface IqTrackerOptions {
  readonly maxPending: number;
  readonly metrics?: IqTrackerMetrics;
}

const noSeries = { inc() {}, dec() {}, set() {} };
const uncounted: IqTrackerMetrics = {
  pending: noSeries,
  outcomes: { result: noSeries, error: noSeries, timeout: noSeries, cancelled: noSeries },
};

export function createIqTracker({ maxPending, metrics = uncounted }: IqTrackerOptions): IqTracker {
  const pending = new Map<string, Pending>();
  const ended = (outcome: IqOutcome) => metrics.outcomes[outcome].inc();
  metrics.pending.set(0);
  const byQueryId = new Map<string, Pending>();

  const settle = (id: string) => {
    const entry = pending.get(id);
    if (!entry) return undefined;
    pending.delete(id);
    metrics.pending.set(pending.size);
    if (entry.mamQueryId !== undefined) byQueryId.delete(entry.mamQueryId);
    clearTimeout(entry.timer);
    return entry;
  };

  // XEP-0313 §4.2: results arrive as messages from the archive, before the iq result.
  const collectArchiveResult = (stanza: Element): boolean => {
    const queryId = stanza.getChild("result", NS.mam)?.attrs.queryid;
    const entry = queryId === undefined ? undefined : byQueryId.get(queryId);
    if (!entry || !sameAddress(stanza.attrs.from, entry.responder)) return false;
    entry.results.push(stanza);
    return true;
  };

  return {
    get size() {
      return pending.size;
    },
    expect(id, responder, timeoutMs, options = {}) {
      if (pending.has(id)) {
        throw conflict(`an iq with id '${id}' is already waiting`);
      }
      if (pending.size >= maxPending) {
        throw busy(`${maxPending} iqs already waiting`);
      }
      return new Promise<IqReply>((resolve, reject) => {
        const timer = setTimeout(() => {
          settle(id);
          ended("timeout");
          reject(timedOut(`no reply from ${responder} within ${timeoutMs / 1000}s`));
        }, timeoutMs);
        const entry: Pending = {
          responder,
          results: [],
          mamQueryId: options.mamQueryId,
          resolve,
          reject,
          timer,
        };
        pending.set(id, entry);
        metrics.pending.set(pending.size);
        if (options.mamQueryId !== undefined) byQueryId.set(options.mamQueryId, entry);
      });
    },
    cancel(id, err) {
      const entry = settle(id);
      if (!entry) return;
      ended("cancelled");
      entry.reject(err);
    },
    handle(stanza) {
      if (stanza.name === "message") return byQueryId.size > 0 && collectArchiveResult(stanza);
      if (stanza.name !== "iq") return false;
      const { id, type, from } = stanza.attrs;
      if (id === undefined || (type !== "result" && type !== "error")) return false;
      const entry = pending.get(id);
      // RFC 6120 §8.2.3: only the addressee answers; a reply from elsewhere with a guessed id is ignored.
      if (!entry || !sameAddress(from, entry.responder)) return false;
      settle(id);
      ended(type === "result" ? "result" : "error");
      entry.resolve({ reply: stanza, results: entry.results });
      return true;
    },
    failAll(err) {
      for (const id of [...pending.keys()]) {
        ended("cancelled");
        settle(id)?.reject(err);
      }
    },
  };
}

/**
 * Whether `from` is the address an iq went to (`responder`, already normalised). Servers
 * echo the address as it was sent, so a plain comparison settles almost every reply without
 * a JID parse (normalising is idempotent: equal text is the same address); anything else is
 * normalised first.
 */
function sameAddress(from: string | undefined, responder: string): boolean {
  if (from === responder) return true;
  return normaliseJid(from ?? "") === responder;
}
