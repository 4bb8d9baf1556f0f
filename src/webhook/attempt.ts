/**
 * One attempt at delivering a stored stanza: the call, then what it decided. A failure worth
 * retrying (the webhook down, overloaded or slow) is tried again on the schedule
 * (./retry.ts, Retry-After honoured, webhook-no-retry obeyed) and, once the schedule is used
 * up, kept as a dead letter with the user told; any other answer is final and gets its reply.
 */
import type { Element } from "@xmpp/xml";
import { parseXmlElement } from "../formats/xml.js";
import type { Logger } from "../log.js";
import { describeOutcome, type WebhookCaller } from "./caller.js";
import type { WebhookHealth } from "./health.js";
import type { AttemptResult } from "./queue.js";
import { asksNoRetry, isRetryable, nextDelay, retryAfterMs } from "./retry.js";
import { storedWebhookId } from "./webhook-id.js";

/** A stored delivery as an attempt sees it. */
export interface AttemptInput {
  readonly delivery: { readonly id: string; readonly stanza: string };
  /** Attempts made before this one. */
  readonly attempts: number;
  /** The stanza as read from the link, when still at hand (saves parsing it back). */
  readonly element?: Element | undefined;
}

export interface AttemptOptions {
  readonly caller: Pick<WebhookCaller, "call" | "conclude">;
  readonly health: WebhookHealth;
  /** Delays between attempts, ms (XMPP_REST_CALLBACK_RETRY). */
  readonly retryMs: readonly number[];
  /** What webhook ids are built from (the store's id). */
  readonly storeId: string;
  readonly log: Logger;
  readonly now: () => number;
}

export function createAttempt(
  options: AttemptOptions,
): (queued: AttemptInput) => Promise<AttemptResult> {
  const { caller, health, retryMs, storeId, log, now } = options;
  return async (queued) => {
    let stanza: Element;
    try {
      stanza = queued.element ?? parseXmlElement(queued.delivery.stanza).root;
    } catch (err) {
      log.error("stored stanza unreadable; kept as a dead letter", { err });
      return { state: "failed", error: "stored stanza unreadable" };
    }
    const attempts = queued.attempts + 1;
    const webhookId = storedWebhookId(storeId, queued.delivery.id);
    const identity = { webhookId, attempt: attempts };
    const outcome = await caller.call(stanza, identity, queued.delivery.stanza);
    const error = describeOutcome(outcome);
    if (isRetryable(outcome)) {
      // Each failed attempt at debug; the episode once at warn (health.ts).
      log.debug("webhook call failed", { stanzaId: stanza.attrs.id, attempt: attempts, error });
      health.failed(error, { stanzaId: stanza.attrs.id });
      const headers = "headers" in outcome ? outcome.headers : undefined;
      const status = outcome.kind === "answered" ? outcome.status : 0;
      const delay = asksNoRetry(headers)
        ? undefined
        : nextDelay(retryMs, attempts, retryAfterMs(status, headers, now()));
      if (delay !== undefined) return { state: "pending", retryAt: now() + delay, error };
      log.warn("webhook delivery failed for good; kept as a dead letter", {
        stanzaId: stanza.attrs.id,
        webhookId,
        attempts,
        error,
      });
      await caller.conclude(stanza, outcome);
      return { state: "failed", error };
    }
    if (outcome.kind !== "refused") health.answered();
    await caller.conclude(stanza, outcome);
    const status = "status" in outcome ? outcome.status : 0;
    return status >= 200 && status <= 299 ? { state: "delivered" } : { state: "failed", error };
  };
}
