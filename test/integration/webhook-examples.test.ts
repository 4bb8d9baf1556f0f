import { type ChildProcess, execFile, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import xml from "@xmpp/xml";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestBridge, type TestBridge, TOKEN } from "../helpers/bridge.js";
import { freePort, waitForPort } from "../helpers/ports.js";
import { type Prosody, startProsody } from "../helpers/prosody.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const SECRET = "whsec_ZXhhbXBsZS1zZWNyZXQ=";
const BOT_TOKEN = "bot-token";
const run = promisify(execFile);

let prosody: Prosody;
let alice: XmppUser;
let bot: ChildProcess | undefined;
let bridge: TestBridge | undefined;

beforeAll(async () => {
  prosody = await startProsody({ users: [{ username: "alice", password: "alice-pw" }] });
  alice = await connectUser({ c2sPort: prosody.c2sPort, username: "alice", password: "alice-pw" });
});

afterEach(async () => {
  await bridge?.stop();
  bridge = undefined;
  const proc = bot;
  bot = undefined;
  if (proc && proc.exitCode === null && proc.signalCode === null) {
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    proc.kill("SIGTERM");
    await exited;
  }
});

afterAll(async () => {
  await alice?.stop();
  await prosody?.stop();
});

/** Starts a bot the way its README says, waits for its port, then a bridge pointing at it. */
async function startBot(command: string, args: string[], cwd: string, port: number) {
  let output = "";
  const proc = spawn(command, args, {
    cwd,
    env: { ...process.env, PORT: String(port), WEBHOOK_SECRET: SECRET, WEBHOOK_TOKEN: BOT_TOKEN },
    stdio: ["ignore", "pipe", "pipe"],
  });
  bot = proc;
  proc.stdout?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  proc.stderr?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  try {
    await waitForPort(port, 20_000, () => proc.exitCode === null);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${output}`);
  }
  bridge = await startTestBridge(prosody, {
    XMPP_REST_CALLBACK_URL: `http://127.0.0.1:${port}/webhook`,
    XMPP_REST_CALLBACK_SECRET: SECRET,
    XMPP_REST_CALLBACK_TOKEN: BOT_TOKEN,
  });
}

async function expectEcho(text: string) {
  await alice.send(
    xml("message", { to: `echo@${prosody.componentDomain}`, type: "chat" }, xml("body", {}, text)),
  );
  const reply = await alice.waitFor(
    (s) => s.getChildText("body") === text && s.attrs.from !== alice.jid,
  );
  expect(reply.attrs.from).toBe(`echo@${prosody.componentDomain}`);
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

  it("the curl scripts send a message, a presence and an iq", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, XMPP_REST_TOKEN: TOKEN };
    const port = await freePort();
    // The bridge needs a webhook URL only for receiving; a bridge without one still sends.
    bridge = await startTestBridge(prosody, { XMPP_REST_HTTP_PORT: String(port) });
    env.XMPP_REST_URL = bridge.url;
    const dir = join(ROOT, "examples/curl");
    await run(join(dir, "send-message.sh"), ["alice@localhost", "hi from curl"], { env });
    await alice.waitFor((s) => s.getChildText("body") === "hi from curl");
    await run(join(dir, "send-presence.sh"), ["alice@localhost", "curl & co"], { env });
    await alice.waitFor((s) => s.name === "presence" && s.getChildText("status") === "curl & co");
    const { stdout } = await run(join(dir, "send-iq.sh"), ["localhost"], { env });
    expect(stdout).toContain("Prosody");
  });
});
