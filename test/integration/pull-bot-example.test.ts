import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import xml from "@xmpp/xml";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestBridge, type TestBridge } from "../helpers/bridge.js";
import { stopChild } from "../helpers/child.js";
import { startXmppServer, type XmppServer } from "../helpers/server.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const BOT_TOKEN = "a-long-random-token-for-echo";

let prosody: XmppServer;
let alice: XmppUser;
let bridge: TestBridge;
let dir: string;
let bot: ChildProcess | undefined;

beforeAll(async () => {
  prosody = await startXmppServer({ users: [{ username: "alice", password: "alice-pw" }] });
  dir = await mkdtemp(join(tmpdir(), "xmpp-rest-pull-bot-"));
  const configPath = join(dir, "config.json");
  // The README's config file entry.
  await writeFile(configPath, JSON.stringify({ bots: { echo: { tokens: [BOT_TOKEN] } } }));
  bridge = await startTestBridge(prosody, {}, { configPath });
  alice = await connectUser({ c2sPort: prosody.c2sPort, username: "alice", password: "alice-pw" });
});

afterEach(async () => {
  const proc = bot;
  bot = undefined;
  await stopChild(proc);
});

afterAll(async () => {
  await alice?.stop();
  await bridge?.stop();
  await prosody?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Starts the bot as its README says and waits until the bridge counts it as a consumer. */
async function startBot(pull: string): Promise<() => string> {
  let output = "";
  const proc = spawn("node", ["examples/pull-bot/bot.mjs"], {
    cwd: ROOT,
    env: {
      ...process.env,
      XMPP_REST_URL: bridge.url,
      BOT_NAME: "echo",
      BOT_TOKEN,
      PULL: pull,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  bot = proc;
  proc.stdout?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  proc.stderr?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  const deadline = Date.now() + 20_000;
  for (;;) {
    const res = await bridge.get("/v1/bots/echo", { accept: "application/json" });
    const { consumers } = (await res.json()) as { consumers: number };
    if (consumers > 0) break;
    if (proc.exitCode !== null || Date.now() > deadline) {
      throw new Error(`the bot did not start pulling:\n${output}`);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  return () => output;
}

describe("examples/pull-bot", () => {
  it.each(["long-poll", "sse"])("echoes a chat message, pulling by %s", async (pull) => {
    const output = await startBot(pull);
    const id = `pull-${pull}`;
    await alice.send(
      xml(
        "message",
        { to: "echo@rest.localhost", type: "chat", id },
        xml("body", {}, `hi ${pull}`),
      ),
    );
    const reply = await alice
      .waitFor((s) => s.name === "message" && s.getChildText("body") === `echo: hi ${pull}`)
      .catch((err: Error) => {
        throw new Error(`${err.message}\n${output()}`);
      });
    expect(reply.attrs.from).toBe("echo@rest.localhost");
    expect(reply.attrs.type).toBe("chat");
  });
});
