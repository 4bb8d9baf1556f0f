// The whole send path of one process over real loopback HTTP: @hono/node-server, the app with
// metrics on and an info-level logger (as the bridge runs), the gate (serializeForServer) in
// place of the socket write, and iq replies answered in-process. A keep-alive client in the same
// process keeps `connections` requests in flight, so the count includes it (the same for every
// variant compared). Meant to be counted under valgrind, where CPU time is meaningless; only
// the measured requests are counted, after a warm-up:
//
//   npx esbuild bench/experiments/micro-http.mts --bundle --platform=node --format=esm \
//     --packages=external --outfile=node_modules/.cache/micro-http.mjs
//   MICRO_CALLGRIND=1 MICRO_WARMUP=10000 valgrind --tool=callgrind --instr-atstart=no \
//     --callgrind-out-file=/tmp/mh.out node node_modules/.cache/micro-http.mjs msg 4000 16
//
// instructions collected / 4000 = instructions per request. Without valgrind it prints CPU µs
// per request as a rough check.
import { spawn } from "node:child_process";
import { connect, type Socket } from "node:net";
import { serve } from "@hono/node-server";
import xml from "@xmpp/xml";
import { WebSocketServer } from "ws";
import { loadConfig } from "../../src/config.js";
import { serializeForServer } from "../../src/formats/wire.js";
import { createApp } from "../../src/http/app.js";
import { createLogger } from "../../src/log.js";
import { createMetrics, noMetrics } from "../../src/metrics.js";
import { connectionMetrics } from "../../src/xmpp/connection-metrics.js";
import { createIqTracker } from "../../src/xmpp/iq-tracker.js";
import { appDeps } from "../../test/helpers/app-deps.js";
import { fakeLink } from "../../test/helpers/fake-link.js";

const [kind = "msg", countArg = "4000", connArg = "16"] = process.argv.slice(2);
const total = Number(countArg);
const connections = Number(connArg);

const config = loadConfig({
  env: { XMPP_REST_DOMAIN: "rest.localhost", XMPP_REST_SECRET: "s", XMPP_REST_TOKENS: "tok" },
});
const log = createLogger("info", { format: "json", write: () => {} });
const metrics = process.env.MICRO_METRICS === "off" ? noMetrics : createMetrics();
const iqs = createIqTracker({
  maxPending: 100000,
  metrics: connectionMetrics(metrics, "component").iqs,
});
const link = fakeLink(
  config.domain,
  (stanza) => {
    // What the real link does with every stanza before its socket write.
    serializeForServer(stanza, config.serverStanzaLimit);
    if (stanza.name === "iq") {
      const { id, to, from } = stanza.attrs;
      queueMicrotask(() => iqs.handle(xml("iq", { type: "result", id, from: to, to: from })));
    }
  },
  iqs,
);
const app = createApp({ ...(await appDeps(config, link)), log, metrics });

const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
  const s = serve(
    {
      fetch: app.fetch,
      hostname: "127.0.0.1",
      port: 0,
      ...(process.env.MICRO_WS === "off"
        ? {}
        : { websocket: { server: new WebSocketServer({ noServer: true }) } }),
    },
    () => resolve(s),
  );
});
const { port } = server.address() as { port: number };

const bodies: Record<string, (i: number) => string> = {
  msg: (i) => `<message to='recv@localhost' type='chat'><body>${i} 123.456</body></message>`,
  iq: (i) => `<iq type='get' to='localhost' id='r${i}'><ping xmlns='urn:xmpp:ping'/></iq>`,
};
const makeBody = bodies[kind];
if (!makeBody) throw new Error(`kind: ${Object.keys(bodies).join(", ")}`);

const request = (i: number) => {
  const body = makeBody(i);
  return (
    "POST /rest HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer tok\r\n" +
    `content-type: application/xmpp+xml\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
};

/** `count` requests over fresh keep-alive connections, `connections` in flight. */
function run(count: number, first: number): Promise<void> {
  let sent = 0;
  let done = 0;
  return new Promise<void>((resolve, reject) => {
    const open: Socket[] = [];
    for (let c = 0; c < connections; c++) {
      const socket = connect(port, "127.0.0.1");
      socket.setNoDelay(true);
      open.push(socket);
      socket.setEncoding("latin1");
      socket.on("error", reject);
      socket.on("data", (chunk: string) => {
        // Every response starts with the status line; neither body contains it.
        for (
          let at = chunk.indexOf("HTTP/1.1 ");
          at !== -1;
          at = chunk.indexOf("HTTP/1.1 ", at + 9)
        ) {
          const status = chunk.slice(at + 9, at + 12);
          if (status !== "202" && status !== "200") reject(new Error(`status ${status}`));
          done += 1;
          if (sent < count) socket.write(request(first + sent++));
        }
        if (done === count) {
          for (const s of open) s.destroy();
          resolve();
        }
      });
      socket.on("connect", () => {
        if (sent < count) socket.write(request(first + sent++));
      });
    }
  });
}

/** Under valgrind: count only the measured requests (`--instr-atstart=no` on the command line). */
function callgrind(on: boolean): Promise<void> {
  if (!process.env.MICRO_CALLGRIND) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const control = spawn("callgrind_control", ["-i", on ? "on" : "off", String(process.pid)], {
      stdio: "ignore",
    });
    control.on("error", reject);
    control.on("exit", () => resolve());
  });
}

// Warm-up first (JIT tiers, caches), so the measured requests are the steady state.
const warmup = Number(process.env.MICRO_WARMUP ?? 0);
if (warmup > 0) await run(warmup, 0);
await callgrind(true);
const started = process.cpuUsage();
await run(total, warmup);
const cpu = process.cpuUsage(started);
await callgrind(false);
console.log(
  `${kind}: ${total} requests, ${((cpu.user + cpu.system) / total).toFixed(1)} µs CPU each`,
);
server.close();
process.exit(0);
