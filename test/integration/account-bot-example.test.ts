import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import xml from "@xmpp/xml";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestBridge, type TestBridge, TOKEN } from "../helpers/bridge.js";
import { stopChild } from "../helpers/child.js";
import { ACCOUNT_HOST, startXmppServer, type XmppServer } from "../helpers/server.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const ECHO = `echo@${ACCOUNT_HOST}`;

let server: XmppServer;
let alice: XmppUser;
let bridge: TestBridge;
let bot: ChildProcess | undefined;

beforeAll(async () => {
  server = await startXmppServer({
    users: [{ username: "alice", password: "alice-pw" }],
    accountUsers: [{ username: "echo", password: "echo-password" }],
  });
  const accountServer = `127.0.0.1:${server.accounts?.port}`;
  // Both ways in: the domain listed for Basic, and a key for accounts kept by the operator.
  bridge = await startTestBridge(server, {
    XMPP_REST_ACCOUNT_DOMAINS: `${ACCOUNT_HOST}=${accountServer}`,
    XMPP_REST_ACCOUNT_CA_FILE: server.accounts?.caFile ?? "",
    XMPP_REST_SECRET_KEY: randomBytes(32).toString("hex"),
  });
  alice = await connectUser({ c2sPort: server.c2sPort, username: "alice", password: "alice-pw" });
}, 60_000);

afterEach(async () => {
  const proc = bot;
  bot = undefined;
  await stopChild(proc);
});

afterAll(async () => {
  await alice?.stop();
  await bridge?.stop();
  await server?.stop();
});

/** Starts the bot as its README says and waits for its first line. */
async function startBot(extra: Record<string, string>): Promise<() => string> {
  let output = "";
  const proc = spawn("node", ["examples/account-bot/bot.mjs"], {
    cwd: ROOT,
    env: {
      ...process.env,
      XMPP_REST_URL: bridge.url,
      ACCOUNT_JID: ECHO,
      ACCOUNT_PASSWORD: "echo-password",
      ...extra,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  bot = proc;
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the bot did not start:\n${output}`)), 20_000);
    const collect = (d: Buffer) => {
      output += d.toString();
      if (output.includes("listening as")) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout?.on("data", collect);
    proc.stderr?.on("data", collect);
  });
  await ready;
  return () => output;
}

async function roundTrip(text: string) {
  await alice.send(
    xml(
      "message",
      { to: ECHO, type: "chat", id: randomBytes(4).toString("hex") },
      xml("body", {}, text),
    ),
  );
  const reply = await alice.waitFor(
    (s) => s.getChildText("body") === `echo: ${text}`,
    15_000,
    "the echo",
  );
  expect(reply.attrs.from?.split("/")[0]).toBe(ECHO);
  expect(reply.attrs.type).toBe("chat");
}

describe("examples/account-bot", () => {
  it("answers as an ordinary account the user logs in to (Basic)", async () => {
    const output = await startBot({});
    await roundTrip("hello account bot");
    expect(output()).not.toContain("refused");
  });

  it("answers as an account the operator keeps online (PUT with the admin token)", async () => {
    const output = await startBot({
      ADMIN_TOKEN: TOKEN,
      ACCOUNT_SERVER: `127.0.0.1:${server.accounts?.port}`,
    });
    await roundTrip("hello kept bot");
    expect(output()).not.toContain("refused");
  });
});
