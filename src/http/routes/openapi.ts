import { z } from "@hono/zod-openapi";
import { type BridgeApp, documentedRoute } from "../env.js";
import { BASIC, BEARER } from "../schemas.js";

const openApiRoute = {
  method: "get" as const,
  path: "/openapi.json",
  tags: ["operations"],
  summary: "This OpenAPI 3.1 document",
  description: "Built from the route definitions themselves. No token needed.",
  responses: {
    200: {
      description: "The OpenAPI document",
      content: { "application/json": { schema: z.object({ openapi: z.string() }).passthrough() } },
    },
  },
};

/** The OpenAPI 3.1 document, built from the registered routes (so it cannot drift from them). */
export function openApiDocument(app: BridgeApp) {
  return app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "xmpp-rest",
      version: "0.1.0",
      description:
        "HTTP to XMPP bridge: mod_rest's API (POST /rest, GET /rest/{query}/{to}) for any XMPP server, plus the /v1 resource API.",
    },
    tags: [
      { name: "rest", description: "mod_rest-compatible sending" },
      { name: "operations", description: "Health, metrics and this document" },
    ],
  });
}

export function registerOpenApi(app: BridgeApp): void {
  app.openAPIRegistry.registerComponent("securitySchemes", BEARER, {
    type: "http",
    scheme: "bearer",
    description: "One of the tokens in XMPP_REST_TOKENS (mod_rest: rest_credentials)",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", BASIC, {
    type: "http",
    scheme: "basic",
    description:
      "jid:password of an account at a domain in XMPP_REST_ACCOUNT_DOMAINS (mod_rest on a VirtualHost); opens or reuses its session",
  });
  // Built once, on first request: every route is registered by then.
  let document: ReturnType<typeof openApiDocument> | undefined;
  documentedRoute(app, openApiRoute, (c) => {
    document ??= openApiDocument(app);
    return c.json(document);
  });
}
