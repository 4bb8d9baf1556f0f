/**
 * One webhook's calls: the request for a stanza in the webhook's format (chosen by the
 * start-up OPTIONS probe, mod_rest's rule), the call with its timeouts, the call counted in
 * the delivery histogram under the webhook's owner, and the reply the outcome gives the user
 * (mod_rest's reply rules, ./reply.ts), sent on the link.
 */
import type { Element } from "@xmpp/xml";
import { codecFor } from "../formats/index.js";
import { type MediaType, XMPP_XML } from "../formats/negotiate.js";
import type { Logger } from "../log.js";
import { type Metrics, noMetrics } from "../metrics.js";
import { GLOBAL_STREAM } from "../owner.js";
import { StanzaError } from "../stanza/errors.js";
import type { Link } from "../xmpp/link.js";
import { callWebhook, type WebhookClient } from "./deliver.js";
import { probeWebhook } from "./probe.js";
import { type Outcome, replyFor } from "./reply.js";
import { buildDeliveryRequest, type DeliveryIdentity, probeHeaders } from "./request.js";
import type { WebhookSettings } from "./settings.js";
import { secretKey } from "./signature.js";
import { expandCallbackUrl } from "./url.js";

/** What a call ended with, and the answer's headers when there was one (Retry-After, ...). */
export type CallOutcome = Awaited<ReturnType<typeof callWebhook>>;

export interface WebhookCaller {
  /** Sends the start-up probe (once); calls made meanwhile wait for its answer. */
  probe(): void;
  /** One call for a stanza (`stored`: its XML as the store keeps it, reused as the body). */
  call(stanza: Element, identity: DeliveryIdentity, stored?: string): Promise<CallOutcome>;
  /** Sends the reply (if any) the reply rules give for a final outcome. */
  conclude(stanza: Element, outcome: Outcome): Promise<void>;
  /** Sends a reply the bridge makes itself (an error the user is owed); never throws. */
  send(reply: Element): Promise<void>;
  /** Resolves once the probe (if any) is done. */
  settled(): Promise<void>;
}

export interface CallerOptions {
  readonly config: WebhookSettings;
  readonly link: Pick<Link, "send">;
  readonly log: Logger;
  readonly agent: WebhookClient;
  /** The owner id calls are counted under (owner.ts). */
  readonly owner: string;
  readonly metrics?: Pick<Metrics, "webhookDeliveries"> | undefined;
  readonly now: () => number;
  /**
   * Looks at a final outcome before the reply rules: true when it took it (a command step an
   * owner answered in its response, commands/), so no reply of the rules is sent.
   */
  readonly intercept?: ((stanza: Element, outcome: Outcome) => boolean) | undefined;
}

export function createWebhookCaller(options: CallerOptions): WebhookCaller {
  const { config, link, log, agent, owner, now } = options;
  const metrics = options.metrics ?? noMetrics;
  const url = config.callbackUrl;
  const settings = {
    url: url ?? "",
    token: config.callbackToken,
    key: config.callbackSecret ? secretKey(config.callbackSecret) : undefined,
    typedEvents: owner !== GLOBAL_STREAM,
  };
  const limits = { timeoutMs: config.callbackTimeoutMs, sizeLimit: config.stanzaSizeLimit };
  const replyContext = {
    domain: config.domain,
    scope: config.scope,
    sizeLimit: config.stanzaSizeLimit,
  };
  let format: MediaType = config.callbackContentType;
  if (!codecFor(format)) {
    log.warn("webhook format not available, using XML", { format });
    format = XMPP_XML;
  }
  let probed: Promise<void> | undefined;

  const send = async (reply: Element) => {
    try {
      await link.send(reply);
    } catch (err) {
      log.warn("webhook reply not sent", { stanzaId: reply.attrs.id, to: reply.attrs.to, err });
    }
  };

  return {
    probe() {
      if (url === undefined || probed) return;
      probed = probeWebhook(
        agent,
        expandCallbackUrl(url, undefined),
        probeHeaders(settings, now()),
        limits,
      )
        .then((result) => {
          if (result.type) {
            format = result.type;
            log.info("webhook probe chose a format", { format });
          } else {
            log.warn("webhook probe did not choose a format", { reason: result.reason, format });
          }
        })
        .catch((err: unknown) => log.warn("webhook probe failed", { err }));
    },
    async call(stanza, identity, stored) {
      if (probed) await probed;
      let request: ReturnType<typeof buildDeliveryRequest> | undefined;
      try {
        request = buildDeliveryRequest(settings, format, stanza, identity, now(), stored);
      } catch (err) {
        log.warn("stanza not encodable for the webhook", {
          stanzaId: stanza.attrs.id,
          format,
          err,
        });
      }
      if (!request) {
        const error = new StanzaError("cancel", "internal-server-error", {
          text: `cannot encode as ${format}`,
        });
        return { kind: "refused", error } as const;
      }
      const started = performance.now();
      const outcome = await callWebhook(agent, request, limits);
      metrics.webhookDeliveries.observe(
        { owner, outcome: outcomeLabel(outcome) },
        (performance.now() - started) / 1000,
      );
      return outcome;
    },
    async conclude(stanza, outcome) {
      if (options.intercept?.(stanza, outcome)) return;
      const decision = replyFor(stanza, outcome, replyContext);
      if (decision.problem) {
        log.warn("webhook answer not used", {
          stanzaId: stanza.attrs.id,
          kind: stanza.name,
          problem: decision.problem,
        });
      }
      if (decision.reply) await send(decision.reply);
    },
    send,
    async settled() {
      if (probed) await probed;
    },
  };
}

/** One line for the log and the admin API: what an attempt ended with. */
export function describeOutcome(outcome: Outcome): string {
  switch (outcome.kind) {
    case "answered":
      return `HTTP ${outcome.status}`;
    case "too-large":
      return `HTTP ${outcome.status}, answer larger than ${outcome.limit} bytes`;
    case "timeout":
      return `no answer within ${outcome.seconds}s`;
    case "unreachable":
      return `unreachable${outcome.reason ? `: ${outcome.reason}` : ""}`;
    case "refused":
      return outcome.error.message;
  }
}

/** The metrics label of a webhook call's outcome: the status class when it answered. */
function outcomeLabel(outcome: Outcome): string {
  return outcome.kind === "answered" ? `${Math.floor(outcome.status / 100)}xx` : outcome.kind;
}
