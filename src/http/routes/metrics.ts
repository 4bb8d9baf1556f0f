import { z } from "@hono/zod-openapi";
import { bearerAuth } from "../auth.js";
import { type BridgeApp, documentedRoute, type RouteDeps } from "../env.js";
import { authErrors, bearerSecurity } from "../schemas.js";

/**
 * GET /metrics in Prometheus' text format. Open unless XMPP_REST_METRICS_TOKEN is set;
 * absent (404) when metrics are off.
 */
export function registerMetrics(
  app: BridgeApp,
  { settings, metrics }: Pick<RouteDeps, "settings" | "metrics">,
): void {
  if (!metrics.enabled) return;
  const token = settings.metricsToken;
  if (token !== undefined) app.use("/metrics", bearerAuth([token]));
  documentedRoute(app, metricsRoute(token !== undefined), async (c) => {
    const { contentType, body } = await metrics.render();
    return c.body(body, 200, { "content-type": contentType });
  });
}

function metricsRoute(protectedByToken: boolean) {
  return {
    method: "get" as const,
    path: "/metrics",
    tags: ["operations"],
    summary: "Prometheus metrics",
    description:
      "Stanzas sent and received by kind, HTTP requests by route and status with latency, iqs pending and their outcomes, webhook deliveries by outcome with latency, link state and reconnects, Node process metrics.",
    ...(protectedByToken ? { security: bearerSecurity } : {}),
    responses: {
      200: {
        description: "Prometheus text exposition format 0.0.4",
        content: { "text/plain": { schema: z.string() } },
      },
      ...(protectedByToken ? authErrors : {}),
    },
  };
}
