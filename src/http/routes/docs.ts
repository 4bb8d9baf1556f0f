/**
 * GET /docs: an interactive page for the API (Swagger UI), served entirely by the bridge
 * from the swagger-ui-dist package. Nothing on the page may leave the machine: no CDN, no
 * fonts, no online validator (validatorUrl: null), no telemetry. URLs are relative so the
 * page also works behind a reverse proxy that mounts the bridge under a prefix.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { z } from "@hono/zod-openapi";
import { notFound } from "../../stanza/errors.js";
import { type BridgeApp, documentedRoute } from "../env.js";

/** The files of swagger-ui-dist the page uses, by the name it asks for. */
const ASSETS: Readonly<Record<string, string>> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>xmpp-rest API</title>
<link rel="stylesheet" href="docs/swagger-ui.css">
<link rel="icon" href="data:,">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/init.js"></script>
</body>
</html>
`;

// Relative to the page (/docs), so /openapi.json, or <prefix>/openapi.json behind a proxy.
const INIT = `window.ui = SwaggerUIBundle({
  url: "openapi.json",
  dom_id: "#swagger-ui",
  validatorUrl: null,
  deepLinking: true,
  persistAuthorization: false,
  displayRequestDuration: true,
});
`;

function assetDirectory(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve("swagger-ui-dist/package.json"));
}

const pageRoute = {
  method: "get" as const,
  path: "/docs",
  tags: ["operations"],
  summary: "Interactive API documentation (this page's operations can be tried with a token)",
  responses: {
    200: { description: "The page", content: { "text/html": { schema: z.string() } } },
  },
};

const assetRoute = {
  method: "get" as const,
  path: "/docs/{file}",
  tags: ["operations"],
  summary: "Scripts and styles of the documentation page",
  request: {
    params: z.object({ file: z.enum(["swagger-ui.css", "swagger-ui-bundle.js", "init.js"]) }),
  },
  responses: {
    200: {
      description: "The file",
      content: {
        "text/css": { schema: z.string() },
        "text/javascript": { schema: z.string() },
      },
    },
  },
};

export function registerDocs(app: BridgeApp): void {
  // Read on first use and kept: the bundle is large, and the page is rarely opened.
  const cache = new Map<string, string>();
  let directory: string | undefined;

  documentedRoute(app, pageRoute, (c) => c.html(PAGE));
  documentedRoute(app, assetRoute, async (c) => {
    const file = c.req.param("file") ?? "";
    const headers = { "cache-control": "public, max-age=3600" };
    if (file === "init.js") {
      return c.body(INIT, 200, { ...headers, "content-type": "text/javascript; charset=utf-8" });
    }
    const type = ASSETS[file];
    if (type === undefined) {
      throw notFound("no such file");
    }
    let content = cache.get(file);
    if (content === undefined) {
      directory ??= assetDirectory();
      content = await readFile(join(directory, file), "utf8");
      cache.set(file, content);
    }
    return c.body(content, 200, { ...headers, "content-type": type });
  });
}
