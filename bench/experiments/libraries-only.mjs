/**
 * The bridge's libraries and nothing of the bridge: each is loaded and used once, then the
 * process idles answering GET /health the way the bridge does, so idle-memory.ts can measure
 * it beside the bridge and show how much of the idle RSS is the libraries' own:
 *
 *   node --import tsx bench/experiments/idle-memory.ts \
 *     node_modules/.cache/xmpp-rest-bench/dist/main.js bench/experiments/libraries-only.mjs
 *
 * LEAVE_OUT=zod (or sqlite, prom, pino, ws, saxes, xmpp; comma-separated) leaves libraries out.
 *
 * Same start-up as the bridge's main.ts: the young generation is capped while modules load.
 */
import { setFlagsFromString } from "node:v8";

setFlagsFromString("--semi-space-growth-factor=1");

const { Hono } = await import("hono");
const { serve } = await import("@hono/node-server");
/** Each library the bridge loads, used once; LEAVE_OUT=zod,ws,... skips some to price them. */
const libraries = {
  zod: async () => {
    const { OpenAPIHono, z } = await import("@hono/zod-openapi");
    z.object({ a: z.string() }).parse({ a: "x" });
    return new OpenAPIHono();
  },
  sqlite: async () => {
    const { default: Database } = await import("better-sqlite3");
    const db = new Database(":memory:");
    db.exec("create table t (id integer primary key, v text)");
    db.prepare("insert into t (v) values (?)").run("x");
  },
  prom: async () => {
    const { Registry, Counter, collectDefaultMetrics } = await import("prom-client");
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    new Counter({ name: "x_total", help: "x", registers: [registry] }).inc();
  },
  pino: async () => (await import("pino")).pino({ level: "warn" }).warn("libraries loaded"),
  ws: async () => new (await import("ws")).WebSocketServer({ noServer: true }).close(),
  saxes: async () => new (await import("saxes")).SaxesParser({ xmlns: true }).write("<a/>").close(),
  xmpp: async () => {
    const { Component } = await import("@xmpp/component-core");
    const xml = (await import("@xmpp/xml")).default;
    new Component({ service: "xmpp://127.0.0.1:1", domain: "x.localhost" });
    xml("message", { to: "a@localhost" }, xml("body", {}, "x")).toString();
  },
};
const leaveOut = (process.env.LEAVE_OUT ?? "").split(",");
const app = new Hono();
for (const [name, load] of Object.entries(libraries)) {
  if (leaveOut.includes(name)) continue;
  const subApp = await load();
  if (subApp instanceof Hono) app.route("/", subApp);
}
app.get("/health", (c) => c.json({ status: "online" }));
serve({
  fetch: app.fetch,
  hostname: process.env.XMPP_REST_HTTP_HOST ?? "127.0.0.1",
  port: Number(process.env.XMPP_REST_HTTP_PORT ?? 0),
});
setFlagsFromString("--semi-space-growth-factor=2");
process.on("SIGTERM", () => process.exit(0));
