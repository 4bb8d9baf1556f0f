/**
 * Admin view of webhook deliveries: list what waits (pending) and what was given
 * up on (failed, the dead letters), and send one again.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { conflict, notFound } from "../../stanza/errors.js";
import { DELIVERY_STATES } from "../../store/index.js";
import type { WebhookDelivery } from "../../webhook/index.js";
import type { BridgeApp, DeliveriesView, RouteDeps } from "../env.js";
import { errorJson } from "../errors.js";
import { authErrors, bearerSecurity, errorResponse } from "../schemas.js";

const MAX_LIMIT = 1_000;

const DeliveryBody = z
  .object({
    id: z.string().openapi({ description: "The delivery's id (its event's id)", example: "42" }),
    webhookId: z.string().openapi({ description: "The webhook-id header of every attempt" }),
    state: z.enum(DELIVERY_STATES),
    kind: z.string().openapi({ description: "message or presence", example: "message" }),
    from: z.string().openapi({ description: "Sender of the stanza" }),
    to: z.string().openapi({ description: "Address at the component it was sent to" }),
    attempts: z.number().int().openapi({ description: "Attempts made so far" }),
    receivedAt: z.string().openapi({ description: "When the bridge stored it (RFC 3339)" }),
    updatedAt: z.string().openapi({ description: "Last attempt or change (RFC 3339)" }),
    nextAttemptAt: z
      .string()
      .nullable()
      .openapi({ description: "When the next attempt is due (pending only)" }),
    lastError: z
      .string()
      .nullable()
      .openapi({ description: "What the last failed attempt ended with", example: "HTTP 503" }),
    stanza: z.string().openapi({ description: "The stanza as XML" }),
  })
  .openapi("Delivery");

const DeliveryList = z
  .object({
    deliveries: z.array(DeliveryBody),
    next: z
      .string()
      .nullable()
      .openapi({ description: "Pass as `after` for the next page; null on the last page" }),
  })
  .openapi("DeliveryList");

const IdParam = z.object({
  id: z
    .string()
    .regex(/^[1-9]\d{0,15}$/, "a delivery id (a positive whole number)")
    .openapi({ param: { name: "id", in: "path" }, example: "42" }),
});

const listDeliveries = createRoute({
  method: "get",
  path: "/v1/deliveries",
  tags: ["deliveries"],
  summary: "List pending or dead-lettered webhook deliveries, oldest first",
  security: bearerSecurity,
  request: {
    query: z.object({
      state: z.enum(["pending", "failed"]).openapi({
        description: "pending: waiting for an attempt; failed: dead letters (retries used up)",
      }),
      after: z
        .string()
        .regex(/^\d{1,16}$/, "a delivery id")
        .optional()
        .openapi({ description: "Only deliveries with a larger id (paging)" }),
      limit: z.coerce
        .number()
        .int()
        .min(1)
        .max(MAX_LIMIT)
        .optional()
        .openapi({ description: `Page size, 1 to ${MAX_LIMIT} (default 100)` }),
    }),
  },
  responses: {
    200: {
      description: "One page of deliveries",
      content: { "application/json": { schema: DeliveryList } },
    },
    ...authErrors,
    400: errorResponse("A query parameter is missing or out of range"),
  },
});

const retryDelivery = createRoute({
  method: "post",
  path: "/v1/deliveries/{id}/retry",
  tags: ["deliveries"],
  summary: "Deliver a dead letter (or a waiting delivery) again, now",
  description:
    "The attempt count starts again from zero, with the whole retry schedule ahead of it.",
  security: bearerSecurity,
  request: { params: IdParam },
  responses: {
    202: {
      description: "Queued for delivery",
      content: { "application/json": { schema: DeliveryBody } },
    },
    ...authErrors,
    400: errorResponse("The id is not a delivery id"),
    404: errorResponse("No such delivery (never existed, or pruned)"),
    409: errorResponse("Already delivered"),
  },
});

const iso = (ms: number) => new Date(ms).toISOString();

function toBody(d: WebhookDelivery): z.infer<typeof DeliveryBody> {
  const [from = "", to = ""] = d.conversation.split("\n");
  return {
    id: d.id,
    webhookId: d.webhookId,
    state: d.state,
    kind: d.kind,
    from,
    to,
    attempts: d.attempts,
    receivedAt: iso(d.time),
    updatedAt: iso(d.updatedAt),
    nextAttemptAt: d.state === "pending" ? iso(d.nextAttemptAt) : null,
    lastError: d.lastError ?? null,
    stanza: d.stanza,
  };
}

export function registerDeliveries(
  app: BridgeApp,
  { auth, deliveries }: Pick<RouteDeps, "auth"> & { deliveries: DeliveriesView },
): void {
  app.use("/v1/deliveries", auth);
  app.use("/v1/deliveries/*", auth);

  app.openapi(listDeliveries, async (c) => {
    const { state, after, limit = 100 } = c.req.valid("query");
    // 0 and 007 name the same position as they did when ids were numbers.
    const page = await deliveries.list({ state, after: String(Number(after ?? 0)), limit });
    const last = page[page.length - 1];
    return c.json(
      {
        deliveries: page.map(toBody),
        next: page.length === limit && last ? last.id : null,
      },
      200,
    );
  });

  app.openapi(retryDelivery, async (c) => {
    const { id } = c.req.valid("param");
    const result = await deliveries.retry(id);
    if (result.status === "requeued") return c.json(toBody(result.delivery), 202);
    const error =
      result.status === "unknown"
        ? notFound(`no delivery ${id}`)
        : conflict(`delivery ${id} was already delivered`);
    return c.json(errorJson(error), error.status as 404 | 409);
  });
}
