/**
 * iqs to the webhook: called at once and answered by the outcome, never stored, as RFC 6120
 * §8.2.3 expects an answer within the requester's patience, not a stored promise of one.
 */
import type { Element } from "@xmpp/xml";
import type { Logger } from "../log.js";
import { describeOutcome, type WebhookCaller } from "./caller.js";
import type { WebhookHealth } from "./health.js";
import { isRetryable } from "./retry.js";
import { newWebhookId } from "./signature.js";

export interface IqCalls {
  /** Calls the webhook for an iq; false (nothing done) when `limit` calls are in flight. */
  call(stanza: Element): boolean;
  /** Resolves once every call in flight has ended. */
  settled(): Promise<void>;
}

export function createIqCalls(
  caller: Pick<WebhookCaller, "call" | "conclude">,
  health: WebhookHealth,
  limit: number,
  log: Pick<Logger, "debug" | "error">,
): IqCalls {
  const inFlight = new Set<Promise<void>>();
  return {
    call(stanza) {
      if (inFlight.size >= limit) return false;
      const run = caller
        .call(stanza, { webhookId: newWebhookId(), attempt: 1 })
        .then(async (outcome) => {
          if (isRetryable(outcome)) {
            const error = describeOutcome(outcome);
            log.debug("webhook call failed", { stanzaId: stanza.attrs.id, error });
            health.failed(error, { stanzaId: stanza.attrs.id });
          } else if (outcome.kind !== "refused") health.answered();
          await caller.conclude(stanza, outcome);
        })
        .catch((err: unknown) =>
          log.error("webhook iq call failed", { stanzaId: stanza.attrs.id, err }),
        )
        .finally(() => inFlight.delete(run));
      inFlight.add(run);
      return true;
    },
    async settled() {
      await Promise.allSettled([...inFlight]);
    },
  };
}
