import type { LogFields, Logger } from "../log.js";

export interface WebhookHealth {
  /** An attempt failed in a way worth retrying (the webhook is down or overloaded). */
  failed(reason: string, fields?: LogFields): void;
  /** The webhook answered (any final answer). */
  answered(): void;
  readonly failing: boolean;
}

/**
 * Logs the webhook's episodes, not its stanzas: one line when it starts failing,
 * one when it answers again, however many stanzas wait in between.
 */
export function createWebhookHealth(log: Pick<Logger, "warn" | "info">): WebhookHealth {
  let failingSince: number | undefined;
  let failures = 0;
  return {
    failed(reason, fields) {
      failures += 1;
      if (failingSince !== undefined) return;
      failingSince = Date.now();
      log.warn("webhook failing; stanzas are kept and retried", { ...fields, reason });
    },
    answered() {
      if (failingSince === undefined) return;
      log.info("webhook recovered", {
        failedForSeconds: Math.round((Date.now() - failingSince) / 1000),
        failedAttempts: failures,
      });
      failingSince = undefined;
      failures = 0;
    },
    get failing() {
      return failingSince !== undefined;
    },
  };
}
