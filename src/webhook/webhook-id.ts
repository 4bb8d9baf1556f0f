import type { Delivery } from "../store/index.js";

/** A stored delivery as the webhook (and the admin API) knows it: with its webhook-id. */
export interface WebhookDelivery extends Delivery {
  /** Stable for the life of the store: the same on every attempt and after restarts. */
  readonly webhookId: string;
}

/**
 * The webhook-id of a stored stanza's every attempt (Standard Webhooks' `webhook-id`): the
 * store's id keeps ids of two stores (a restore, a second bridge) from meeting at a webhook.
 */
export function storedWebhookId(storeId: string, deliveryId: string): string {
  return `msg_${storeId}_${deliveryId}`;
}

export function withWebhookId(storeId: string, delivery: Delivery): WebhookDelivery {
  return { ...delivery, webhookId: storedWebhookId(storeId, delivery.id) };
}
