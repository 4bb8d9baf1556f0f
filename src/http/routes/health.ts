import { createRoute, z } from "@hono/zod-openapi";
import type { BridgeApp, RouteDeps } from "./index.js";

const Health = z
  .object({
    xmpp: z
      .enum(["online", "offline", "connecting", "stopped"])
      .openapi({ description: "State of the component link to the XMPP server" }),
    pendingIq: z.number().int().openapi({ description: "iqs waiting for their reply" }),
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

export function registerHealth(app: BridgeApp, { link, iqs }: Pick<RouteDeps, "link" | "iqs">) {
  app.openapi(health, (c) => {
    const body = { xmpp: link.state, pendingIq: iqs.size };
    return link.state === "online" ? c.json(body, 200) : c.json(body, 503);
  });
}
