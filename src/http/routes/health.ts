import { createRoute, z } from "@hono/zod-openapi";
import { CONNECTION_STATES } from "../../stanza/connection-states.js";
import type { BridgeApp, RouteDeps } from "../env.js";

const Health = z
  .object({
    xmpp: z
      .enum(CONNECTION_STATES)
      .openapi({ description: "State of the component link to the XMPP server" }),
    pendingIq: z.number().int().openapi({ description: "iqs waiting for their reply" }),
    role: z.enum(["holder", "standby"]).optional().openapi({
      description:
        'Several processes on one PostgreSQL (README, "High availability"): whether this process holds the XMPP link (holder) or serves the API without it (standby)',
    }),
    epoch: z.string().nullable().optional().openapi({
      description:
        "Several processes: the epoch of the link's lease this process holds; null for a standby",
    }),
    database: z.enum(["up", "down"]).optional().openapi({
      description: "Several processes: whether PostgreSQL answers",
    }),
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
  description:
    "No token needed, for load balancers and probes. With several processes on one database, a standby answers 200 while the database answers: it serves the whole API without holding the link.",
  responses: {
    200: {
      description: "The link is online (a standby: the database answers)",
      content: { "application/json": { schema: Health } },
    },
    503: {
      description: "The link is down (reconnecting), or the database is",
      content: { "application/json": { schema: Health } },
    },
  },
});

export function registerHealth(
  app: BridgeApp,
  { linkStatus, deliveries }: Pick<RouteDeps, "linkStatus" | "deliveries">,
) {
  app.openapi(health, async (c) => {
    // The backlog is the database's: while it is away, /health still answers (503).
    const backlog = await deliveries?.backlog().catch(() => undefined);
    const link = linkStatus();
    const body = {
      xmpp: link.state,
      pendingIq: link.pendingIq,
      ...(link.role ? { role: link.role, epoch: link.epoch ?? null } : {}),
      ...(link.database ? { database: link.database } : {}),
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
    const serving =
      link.database === "down" ? false : link.role === "standby" ? true : link.state === "online";
    return serving ? c.json(body, 200) : c.json(body, 503);
  });
}
