import type { Element } from "@xmpp/xml";
import { parseXmlElement, serializeStanza } from "../formats/xml.js";
import type { Logger } from "../log.js";
import { type Owner, ownerOf } from "../owner.js";
import { StanzaError } from "../stanza/errors.js";
import type { ClusterStore, Outbox, OutboxEntry } from "../store/cluster.js";
import type { Connection } from "../xmpp/connection.js";

/** Rows taken from the outbox per round. */
const BATCH = 200;
/** How long a barrier may take before the round's rows are left for a resend. */
const BARRIER_TIMEOUT_MS = 10_000;
/** A safety net for lost doorbells: look at the outbox this often anyway. */
const POLL_MS = 1_000;

export interface OutboxSenderOptions {
  readonly outbox: Outbox;
  readonly on: ClusterStore["on"];
  /** The link as the holder sees it (./gated-connection.ts): it refuses to write for a standby. */
  readonly link: Pick<Connection, "state" | "send" | "request" | "barrier" | "onStateChange">;
  /** Whether this process holds the link now. */
  readonly holding: () => boolean;
  /**
   * An owner's iq answer accepted by another process, checked now against the iqs the owner
   * received (RFC 6120 §8.2.3); throws when it answers none.
   */
  readonly claimAnswer: (answer: Element, owner: Owner) => Element;
  readonly log: Logger;
  readonly now?: () => number;
}

export interface OutboxSender {
  /** Nothing waits in the outbox as far as this process knows (direct sends keep their order). */
  readonly idle: boolean;
  /** Looks at the outbox now (taking over, the link back online). */
  wake(): void;
  stop(): Promise<void>;
}

/**
 * The link holder's side of the outbox: sends what any process accepted, in id order, and
 * after each round a barrier (a round trip through the server): once it is back, the server
 * has taken the round's messages and presences, and their rows are done. Rows written but not
 * done when the link drops or the holder dies are sent again by whoever holds the link next
 * (Outbox.resend): at least once, with the same stanza id. An iq waited on elsewhere is sent
 * with a wait for its reply, which goes back to its waiter through the database.
 */
export function createOutboxSender(options: OutboxSenderOptions): OutboxSender {
  const { outbox, link, log } = options;
  const now = options.now ?? Date.now;
  let running = false;
  let again = false;
  let idle = false;
  let stopped = false;
  let current: Promise<void> = Promise.resolve();

  const ready = () => !stopped && options.holding() && link.state === "online";

  const sendIq = (entry: OutboxEntry, stanza: Element) => {
    const left = (entry.deadline ?? now() + 120_000) - now();
    if (left <= 0) return;
    link
      .request(stanza, left, entry.mamQueryId ? { mamQueryId: entry.mamQueryId } : {})
      .then((answer) =>
        outbox.answer(entry.id, {
          reply: serializeStanza(answer.reply),
          results: answer.results.map(serializeStanza),
        }),
      )
      .catch((err: unknown) => {
        // A timeout is the waiter's to report; a dropped link sends the row again.
        if (!(err instanceof StanzaError)) log.warn("iq from the outbox failed", { err });
      });
  };

  /** Sends one row; true when it is done once the barrier is back (not an iq waited on). */
  const sendOne = async (entry: OutboxEntry): Promise<boolean> => {
    let stanza = parseXmlElement(entry.stanza).root;
    if (entry.claim !== undefined) {
      const owner = ownerOf(entry.claim);
      try {
        if (!owner) throw new Error(`no owner ${entry.claim}`);
        stanza = options.claimAnswer(stanza, owner);
      } catch (err) {
        log.warn("iq answer accepted elsewhere answers nothing: dropped", {
          owner: entry.claim,
          stanzaId: stanza.attrs.id,
          err,
        });
        return true;
      }
    }
    if (entry.kind === "iq" && entry.waiter !== undefined) {
      sendIq(entry, stanza);
      return false;
    }
    await link.send(stanza);
    return true;
  };

  const round = async (): Promise<boolean> => {
    const rows = await outbox.take(BATCH);
    if (rows.length === 0) return false;
    const written: string[] = [];
    for (const row of rows) {
      try {
        if (await sendOne(row)) written.push(row.id);
      } catch (err) {
        // A stanza the server would not take (413/422) is dropped rather than block the rest;
        // a link that went down leaves the row to be sent again.
        if (err instanceof StanzaError && err.status !== 503) {
          log.warn("stanza from the outbox refused before sending: dropped", { id: row.id, err });
          written.push(row.id);
        } else throw err;
      }
    }
    if (written.length > 0) {
      await link.barrier(BARRIER_TIMEOUT_MS);
      await outbox.done(written);
    }
    return rows.length === BATCH;
  };

  const drain = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        while (ready() && (await round())) {}
        idle = ready();
      } while (again && ready());
    } catch (err) {
      idle = false;
      if (!(err instanceof StanzaError)) log.warn("sending from the outbox failed", { err });
    } finally {
      running = false;
    }
  };

  const wake = () => {
    if (!ready()) {
      idle = false;
      return;
    }
    current = drain();
  };

  const offRing = options.on("outbox", () => {
    idle = false;
    wake();
  });
  const offState = link.onStateChange(() => wake());
  const timer = setInterval(wake, POLL_MS);
  timer.unref();

  return {
    get idle() {
      return idle && ready();
    },
    wake,
    async stop() {
      stopped = true;
      clearInterval(timer);
      offRing();
      offState();
      await current;
    },
  };
}
