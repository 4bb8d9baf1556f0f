import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import xml from "@xmpp/xml";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestBridge, type TestBridge, TOKEN } from "../helpers/bridge.js";
import { stopChild } from "../helpers/child.js";
import { freePort, waitForPort } from "../helpers/ports.js";
import { startXmppServer, type XmppServer } from "../helpers/server.js";
import { startWebhookServer, type WebhookServer } from "../helpers/webhook-server.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const SECRET = "whsec_ZXhhbXBsZS1zZWNyZXQ=";
const BOT_TOKEN = "bot-token";
const run = promisify(execFile);

let server: XmppServer;
let alice: XmppUser;
let bot: ChildProcess | undefined;
/** What the running bot printed (Flask logs one line per request it served). */
let botOutput = "";
const outputListeners = new Set<() => void>();

/** Resolves once the bot has printed something matching `pattern`. */
function botPrinted(pattern: RegExp, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!pattern.test(botOutput)) return;
      clearTimeout(timer);
      outputListeners.delete(check);
      resolve();
    };
    const timer = setTimeout(() => {
      outputListeners.delete(check);
      reject(new Error(`the bot did not print ${pattern} within ${timeoutMs} ms`));
    }, timeoutMs);
    outputListeners.add(check);
    check();
  });
}
let bridge: TestBridge | undefined;
let webhook: WebhookServer | undefined;

beforeAll(async () => {
  server = await startXmppServer({ users: [{ username: "alice", password: "alice-pw" }] });
  alice = await connectUser({ c2sPort: server.c2sPort, username: "alice", password: "alice-pw" });
});

afterEach(async () => {
  await bridge?.stop();
  bridge = undefined;
  await webhook?.close();
  webhook = undefined;
  const proc = bot;
  bot = undefined;
  await stopChild(proc);
});

afterAll(async () => {
  await alice?.stop();
  await server?.stop();
});

/**
 * Starts a bot the way its README says, waits for its port, then a bridge pointing at it
 * (with `bridgeEnv` added to the bridge's settings).
 */
async function startBot(
  command: string,
  args: string[],
  cwd: string,
  port: number,
  bridgeEnv: Record<string, string> = {},
) {
  let output = "";
  botOutput = "";
  const proc = spawn(command, args, {
    cwd,
    env: { ...process.env, PORT: String(port), WEBHOOK_SECRET: SECRET, WEBHOOK_TOKEN: BOT_TOKEN },
    stdio: ["ignore", "pipe", "pipe"],
  });
  bot = proc;
  proc.stdout?.on("data", (d: Buffer) => {
    output += d.toString();
    botOutput += d.toString();
    for (const listener of [...outputListeners]) listener();
  });
  proc.stderr?.on("data", (d: Buffer) => {
    output += d.toString();
    botOutput += d.toString();
    for (const listener of [...outputListeners]) listener();
  });
  try {
    await waitForPort(port, 20_000, () => proc.exitCode === null);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${output}`);
  }
  bridge = await startTestBridge(server, {
    XMPP_REST_CALLBACK_URL: `http://127.0.0.1:${port}/webhook`,
    XMPP_REST_CALLBACK_SECRET: SECRET,
    XMPP_REST_CALLBACK_TOKEN: BOT_TOKEN,
    ...bridgeEnv,
  });
}

/** Standard Webhooks headers for `body`, signed with SECRET (or with a wrong signature). */
function signedHeaders(body: string, forged = false): Record<string, string> {
  const id = `msg_${Math.random().toString(36).slice(2)}`;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const key = Buffer.from(SECRET.slice("whsec_".length), "base64");
  const mac = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  return {
    authorization: `Bearer ${BOT_TOKEN}`,
    "webhook-id": id,
    "webhook-timestamp": timestamp,
    "webhook-signature": forged ? "v1,AAAA" : `v1,${mac}`,
  };
}

async function expectEcho(text: string) {
  await alice.send(
    xml("message", { to: `echo@${server.componentDomain}`, type: "chat" }, xml("body", {}, text)),
  );
  const reply = await alice.waitFor(
    (s) => s.getChildText("body") === text && s.attrs.from !== alice.jid,
  );
  expect(reply.attrs.from).toBe(`echo@${server.componentDomain}`);
  expect(reply.attrs.type).toBe("chat");
}

describe("examples", () => {
  it("the Flask echo bot, run as its README says, echoes a user's message", async () => {
    const port = await freePort();
    await startBot("/usr/bin/python3", ["app.py"], join(ROOT, "examples/flask-echo"), port);
    await expectEcho("hello flask <&>");
  });

  it("the Express echo bot, run as its README says, echoes a user's message", async () => {
    const port = await freePort();
    await startBot(process.execPath, ["examples/express-echo/server.mjs"], ROOT, port);
    await expectEcho("hello express <&>");
  });

  it("the Flask bot rejects a request without the right signature", async () => {
    const port = await freePort();
    await startBot("/usr/bin/python3", ["app.py"], join(ROOT, "examples/flask-echo"), port);
    const res = await fetch(`http://127.0.0.1:${port}/webhook`, {
      method: "POST",
      headers: {
        "content-type": "application/xmpp+xml",
        authorization: `Bearer ${BOT_TOKEN}`,
        "webhook-id": "msg_1",
        "webhook-timestamp": String(Math.floor(Date.now() / 1000)),
        "webhook-signature": "v1,AAAA",
      },
      body: '<message type="chat"><body>forged</body></message>',
    });
    expect(res.status).toBe(401);
  });

  it("the Flask JSON echo bot, run as its README says, echoes a user's message (the probe picks JSON)", async () => {
    const port = await freePort();
    // No XMPP_REST_CALLBACK_CONTENT_TYPE: the bot's OPTIONS answer asks for JSON, and it
    // refuses XML with a 415, so an echo proves the bridge switched.
    await startBot("/usr/bin/python3", ["app_json.py"], join(ROOT, "examples/flask-echo"), port);
    await expectEcho("hello flask json <&> \u00e9 🎉");
  });

  it("the Express JSON echo bot, run as its README says, echoes a user's message (XMPP_REST_CALLBACK_CONTENT_TYPE=json)", async () => {
    const port = await freePort();
    await startBot(process.execPath, ["examples/express-echo/server-json.mjs"], ROOT, port, {
      XMPP_REST_CALLBACK_CONTENT_TYPE: "json",
    });
    await expectEcho("hello express json <&> \u00e9 🎉");
  });

  // [name, command, args, working directory]: each started as its README says.
  const jsonBots: [string, string, string[], string][] = [
    ["Flask", "/usr/bin/python3", ["app_json.py"], "examples/flask-echo"],
    ["Express", process.execPath, ["examples/express-echo/server-json.mjs"], "."],
  ];

  it.each(jsonBots)(
    "the %s JSON bot checks the token and the signature over the raw body before parsing it",
    async (_name, command, args, dir) => {
      const port = await freePort();
      await startBot(command, args, join(ROOT, dir), port);
      const url = `http://127.0.0.1:${port}/webhook`;
      const probe = await fetch(url, { method: "OPTIONS" });
      expect(probe.status).toBe(200);
      expect(probe.headers.get("accept")).toBe("application/json");

      const post = (body: string, headers: Record<string, string>, type = "application/json") =>
        fetch(url, { method: "POST", body, headers: { "content-type": type, ...headers } });
      const body = '{"kind":"message","type":"chat","body":"signed"}';
      // The same JSON value, other bytes: a bot that re-serialised before checking would accept it.
      const respaced = '{"kind": "message", "type": "chat", "body": "signed"}';

      expect((await post(body, signedHeaders(body, true))).status).toBe(401);
      expect((await post(respaced, signedHeaders(body))).status).toBe(401);
      expect(
        (await post(body, { ...signedHeaders(body), authorization: "Bearer other" })).status,
      ).toBe(401);
      // Malformed JSON with a bad signature is a 401, not a parse error: checked first.
      expect((await post("{oops", signedHeaders("{}"))).status).toBe(401);
      const xmlBody = '<message type="chat"><body>xml</body></message>';
      expect((await post(xmlBody, signedHeaders(xmlBody), "application/xmpp+xml")).status).toBe(
        415,
      );

      const ok = await post(body, signedHeaders(body));
      expect(ok.status).toBe(200);
      expect(ok.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await ok.json()).toEqual({ body: "signed" });
      const iq = '{"kind":"iq","type":"get","ping":true}';
      expect((await post(iq, signedHeaders(iq))).status).toBe(204);
    },
  );

  it("a JSON webhook gets each stanza in the JSON mapping, and its {body} answer is a chat reply", async () => {
    const domain = server.componentDomain;
    webhook = await startWebhookServer((req) => {
      if (req.method !== "POST") return { status: 204 };
      const stanza = JSON.parse(req.body) as Record<string, unknown>;
      if (stanza.kind !== "message") return { status: 204 };
      return {
        status: 200,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ body: `re: ${String(stanza.body)}` }),
      };
    });
    bridge = await startTestBridge(server, {
      XMPP_REST_CALLBACK_URL: `${webhook.url}/hook`,
      // The probe names no format (204), so this setting alone picks JSON.
      XMPP_REST_CALLBACK_CONTENT_TYPE: "json",
      XMPP_REST_CALLBACK_SECRET: SECRET,
    });

    await alice.send(
      xml(
        "message",
        { to: `bot@${domain}`, type: "chat", id: "json-map-1", "xml:lang": "de" },
        xml("body", {}, "mapped <&> 🎉"),
        xml("subject", {}, "a subject"),
        xml("thread", {}, "thread-1"),
        xml("active", { xmlns: "http://jabber.org/protocol/chatstates" }),
        xml("unknown", { xmlns: "urn:example:not-in-the-mapping" }),
      ),
    );
    const delivered = await webhook.waitFor(
      (r) => r.method === "POST" && r.body.includes("json-map-1"),
    );
    expect(delivered.headers["content-type"]).toMatch(/^application\/json/);
    // Signed over the JSON bytes as sent.
    const { "webhook-id": id, "webhook-timestamp": ts } = delivered.headers;
    const key = Buffer.from(SECRET.slice("whsec_".length), "base64");
    const mac = createHmac("sha256", key).update(`${id}.${ts}.${delivered.body}`).digest("base64");
    expect(String(delivered.headers["webhook-signature"]).split(" ")).toContain(`v1,${mac}`);
    expect(JSON.parse(delivered.body)).toEqual({
      kind: "message",
      type: "chat",
      from: alice.jid,
      to: `bot@${domain}`,
      id: "json-map-1",
      lang: "de",
      body: "mapped <&> 🎉",
      subject: "a subject",
      thread: { id: "thread-1" },
      state: "active",
    });

    const reply = await alice.waitFor((s) => s.getChildText("body") === "re: mapped <&> 🎉");
    expect(reply.name).toBe("message");
    expect(reply.attrs.from).toBe(`bot@${domain}`);
    expect(reply.attrs.type).toBe("chat");

    // An iq: the mapping's kind/type/id and payload field; a 204 answers it with a result.
    await alice.send(
      xml(
        "iq",
        { to: `bot@${domain}`, type: "get", id: "json-ping-1" },
        xml("ping", { xmlns: "urn:xmpp:ping" }),
      ),
    );
    const ping = await webhook.waitFor(
      (r) => r.method === "POST" && r.body.includes("json-ping-1"),
    );
    expect(JSON.parse(ping.body)).toEqual({
      kind: "iq",
      type: "get",
      from: alice.jid,
      to: `bot@${domain}`,
      id: "json-ping-1",
      lang: "en", // both servers stamp the stream's xml:lang on stanzas without one
      ping: true,
    });
    const result = await alice.waitFor((s) => s.name === "iq" && s.attrs.id === "json-ping-1");
    expect(result.attrs.type).toBe("result");
  });

  it("the curl scripts send a message, a presence and an iq", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, XMPP_REST_TOKEN: TOKEN };
    const port = await freePort();
    // The bridge needs a webhook URL only for receiving; a bridge without one still sends.
    bridge = await startTestBridge(server, { XMPP_REST_HTTP_PORT: String(port) });
    env.XMPP_REST_URL = bridge.url;
    const dir = join(ROOT, "examples/curl");
    await run(join(dir, "send-message.sh"), ["alice@localhost", "hi from curl"], { env });
    await alice.waitFor((s) => s.getChildText("body") === "hi from curl");
    await run(join(dir, "send-presence.sh"), ["alice@localhost", "curl & co"], { env });
    await alice.waitFor((s) => s.name === "presence" && s.getChildText("status") === "curl & co");
    const { stdout } = await run(join(dir, "send-iq.sh"), ["localhost"], { env });
    // Server-specific: the version answer names the server (Prosody or ejabberd).
    expect(stdout).toContain(`<name>${server.software.name}</name>`);
  });

  it("the loop rule: a message POSTed to the bridge's own domain never reaches the echo bot, so it cannot loop", async () => {
    const port = await freePort();
    await startBot("/usr/bin/python3", ["app.py"], join(ROOT, "examples/flask-echo"), port);
    const domain = server.componentDomain;
    // Issue 8, defect 6: this started ~500 webhook calls a second until the bot was killed.
    for (const from of [domain, `bot@${domain}`]) {
      const sent = await bridge?.post(
        `<message to="echo@${domain}" from="${from}" type="chat"><body>loop?</body></message>`,
      );
      expect(sent?.status).toBe(202);
    }
    // An iq to itself is answered by the bridge's own service-unavailable: a 503, at once.
    const iq = await bridge?.post(
      `<iq type="get" to="echo@${domain}"><ping xmlns="urn:xmpp:ping"/></iq>`,
      { "prosody-rest-timeout": "10" },
    );
    expect(iq?.status).toBe(503);
    // A user's message afterwards is echoed (stream order: the POSTed ones were handled before
    // it), and it is the only request the bot ever served.
    await expectEcho("after the loop test");
    await botPrinted(/"POST \/webhook/);
    const served = botOutput.match(/"POST \/webhook/g)?.length ?? 0;
    expect(served).toBe(1);
    expect(alice.received.filter((s) => s.getChildText("body") === "loop?")).toEqual([]);
  });
});
