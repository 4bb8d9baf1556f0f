import { codecFor } from "../formats/index.js";
import { acceptedTypes, type MediaType, TEXT } from "../formats/negotiate.js";
import { type CallLimits, callWebhook, type WebhookClient } from "./deliver.js";

export interface ProbeResult {
  /** The format the webhook asked for, when it named one the bridge can write. */
  readonly type?: MediaType;
  /** Why nothing was chosen; logged, never fatal. */
  readonly reason?: string;
}

/**
 * mod_rest's start-up probe: one OPTIONS request to the callback URL; a 200
 * whose Accept names a format the bridge can encode sets the format.
 */
export async function probeWebhook(
  client: WebhookClient,
  url: string,
  headers: Record<string, string>,
  limits: CallLimits,
): Promise<ProbeResult> {
  const outcome = await callWebhook(client, { method: "OPTIONS", url, headers }, limits);
  switch (outcome.kind) {
    case "timeout":
      return { reason: `no answer within ${outcome.seconds}s (${outcome.reason ?? ""})` };
    case "unreachable":
      return { reason: `unreachable (${outcome.reason ?? ""})` };
    case "refused":
      return { reason: outcome.error.message };
    case "too-large":
    case "answered": {
      if (outcome.status !== 200) return { reason: `HTTP ${outcome.status}` };
      const raw = outcome.headers?.accept;
      const accept = Array.isArray(raw) ? raw.join(",") : raw;
      if (!accept) return { reason: "the 200 answer has no Accept header" };
      // Plain text carries only a message body, not a stanza: not a callback format.
      const type = acceptedTypes(accept).find((t) => t !== TEXT && codecFor(t) !== undefined);
      return type ? { type } : { reason: `no format the bridge writes in Accept: ${accept}` };
    }
  }
}
