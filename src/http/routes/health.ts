import { createRoute, z } from "@hono/zod-openapi";
import { CONNECTION_STATES } from "../../stanza/connection-states.js";
import type { BridgeApp, RouteDeps } from "../env.js";

const Health = z
  .object({
    xmpp: z
      .enum(CONNECTION_STATES)
      .openapi({ description: "State of the component link to the XMPP server" }),
    pendingIq: z.number().int().openapi({ description: "iqs waiting for their reply" }),
    deliveries: z
      .object({
        pending: z.number().int().openapi({ description: "Stanzas stored, not yet delivered" }),
        oldestPendingSeconds: z
          .number()
          .int()
          .nullable()
          .openapi({ description: "Age of the oldest of them; null when none" }),
        failed: z.number().int().openapi({ description: "Dead letters (retries used up)" }),
      })
      .optional()
      .openapi({ description: "The webhook's backlog" }),
  })
  .openapi("Health");

const health = createRoute({
  method: "get",
  path: "/health",
  tags: ["operations"],
  summary: "Is the bridge connected to its XMPP server?",
  description: "No token needed, for load balancers and probes.",
  responses: {
    200: { description: "The link is online", content: { "application/json": { schema: Health } } },
    503: {
      description: "The link is down (reconnecting)",
      content: { "application/json": { schema: Health } },
    },
  },
});

export function registerHealth(
  app: BridgeApp,
  { linkStatus, deliveries }: Pick<RouteDeps, "linkStatus" | "deliveries">,
) {
  app.openapi(health, async (c) => {
    const backlog = await deliveries?.backlog();
    const link = linkStatus();
    const body = {
      xmpp: link.state,
      pendingIq: link.pendingIq,
      ...(backlog
        ? {
            deliveries: {
              pending: backlog.pending,
              oldestPendingSeconds:
                backlog.oldestPendingAt === undefined
                  ? null
                  : Math.max(0, Math.floor((Date.now() - backlog.oldestPendingAt) / 1000)),
              failed: backlog.failed,
            },
          }
        : {}),
    };
    return link.state === "online" ? c.json(body, 200) : c.json(body, 503);
  });
}
