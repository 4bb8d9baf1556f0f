import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Element } from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBridge, type TestBridge } from "../helpers/bridge.js";
import { stopChild } from "../helpers/child.js";
import {
  grantAffiliation,
  joinRoom,
  mucItem,
  presenceFrom,
  sayInRoom,
} from "../helpers/room-user.js";
import { startXmppServer, type XmppServer } from "../helpers/server.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const BOT_TOKEN = "a-long-random-token-for-helper";

let server: XmppServer;
let alice: XmppUser;
let bob: XmppUser;
let bridge: TestBridge;
let dir: string;
let bot: ChildProcess | undefined;
let output = "";
let room: string;

beforeAll(async () => {
  server = await startXmppServer({
    users: ["alice", "bob"].map((username) => ({ username, password: `${username}-pw` })),
  });
  dir = await mkdtemp(join(tmpdir(), "xmpp-rest-room-bot-"));
  const configPath = join(dir, "config.json");
  // The README's config file entry.
  await writeFile(configPath, JSON.stringify({ bots: { helper: { tokens: [BOT_TOKEN] } } }));
  bridge = await startTestBridge(server, {}, { configPath });
  alice = await connectUser({ c2sPort: server.c2sPort, username: "alice", password: "alice-pw" });
  bob = await connectUser({ c2sPort: server.c2sPort, username: "bob", password: "bob-pw" });
  room = `lobby@${server.mucDomain}`;
  await joinRoom(alice, room, "alice");
});

afterAll(async () => {
  await stopChild(bot);
  await alice?.stop();
  await bob?.stop();
  await bridge?.stop();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const fromBot = (body: string) => (s: Element) =>
  s.name === "message" &&
  s.attrs.type === "groupchat" &&
  s.attrs.from === `${room}/helper` &&
  s.getChildText("body") === body;

describe("examples/room-bot", () => {
  it("joins the room as its README says and answers a mention of its nick there", async () => {
    // Started exactly as the README tells a user to.
    const proc = spawn("node", ["examples/room-bot/bot.mjs"], {
      cwd: ROOT,
      env: {
        ...process.env,
        XMPP_REST_URL: bridge.url,
        BOT_NAME: "helper",
        BOT_TOKEN,
        ROOM: room,
        NICK: "helper",
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
    const explain = (err: Error) => {
      throw new Error(`${err.message}\nbot output:\n${output}`);
    };
    // The user sees the bot come in.
    await alice
      .waitFor(
        (s) =>
          s.name === "presence" &&
          s.attrs.from === `${room}/helper` &&
          s.attrs.type !== "unavailable",
        20_000,
        "the bot's presence in the room",
      )
      .catch(explain);
    // Chatter without the nick gets no answer; the mention does.
    await sayInRoom(alice, room, "just talking among ourselves");
    await sayInRoom(alice, room, "helper: what is the answer?");
    await alice
      .waitFor(fromBot('alice: you said "what is the answer?"'), 20_000, "the answer")
      .catch(explain);
    expect(
      alice.received.filter((s) => s.attrs.from === `${room}/helper` && s.name === "message"),
    ).toHaveLength(1);
  });

  it("kicks on an owner's or admin's !kick, with the reason, and refuses anyone else", async () => {
    // The owner makes the bot an admin, so it moderates the room (XEP-0045 §10.6).
    await grantAffiliation(alice, room, `helper@${server.componentDomain}`, "admin");
    await joinRoom(bob, room, "bob");
    await sayInRoom(bob, room, "!kick alice");
    await alice.waitFor(
      fromBot("bob: only the room's owners and admins may ask me to kick"),
      20_000,
      "the refusal",
    );
    await sayInRoom(alice, room, "!kick bob flooding the room");
    const kicked = await bob.waitFor(
      (s) =>
        s.name === "presence" && s.attrs.from === `${room}/bob` && s.attrs.type === "unavailable",
      20_000,
      "bob's kick",
    );
    expect(mucItem(kicked).codes).toContain("307");
    expect(mucItem(kicked).reason).toBe("flooding the room");
    await alice.waitFor(presenceFrom(room, "bob", "unavailable"), 10_000, "bob gone");
  });
});
