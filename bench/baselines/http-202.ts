/**
 * The HTTP ceiling: a bare hono + @hono/node-server endpoint that reads the body and answers
 * 202, run as its own pinned process like the bridge. Port in argv[2]; stops on SIGTERM.
 */
import { serve } from "@hono/node-server";
import { Hono } from "hono";

const app = new Hono();
app.post("/rest", async (c) => {
  await c.req.text();
  return c.body(null, 202);
});

const server = serve(
  { fetch: app.fetch, hostname: "127.0.0.1", port: Number(process.argv[2]) },
  () => process.send?.({ type: "ready" }),
);
process.once("SIGTERM", () => {
  server.close();
  process.disconnect?.();
  (server as { closeAllConnections?: () => void }).closeAllConnections?.();
});
