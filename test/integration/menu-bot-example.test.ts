import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import xml, { type Element } from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBridge, type TestBridge } from "../helpers/bridge.js";
import { stopChild } from "../helpers/child.js";
import { startXmppServer, type XmppServer } from "../helpers/server.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const BOT_TOKEN = "a-long-random-token-for-reporter";
const BOT = "reporter@rest.localhost";
const CMD = "http://jabber.org/protocol/commands";
const DATA = "jabber:x:data";
const ITEMS = "http://jabber.org/protocol/disco#items";

let server: XmppServer;
let alice: XmppUser;
let bridge: TestBridge;
let dir: string;
let bot: ChildProcess | undefined;
let output = "";
let sequence = 0;

beforeAll(async () => {
  server = await startXmppServer({ users: [{ username: "alice", password: "alice-pw" }] });
  dir = await mkdtemp(join(tmpdir(), "xmpp-rest-menu-bot-"));
  const configPath = join(dir, "config.json");
  // The README's config file entry.
  await writeFile(configPath, JSON.stringify({ bots: { reporter: { tokens: [BOT_TOKEN] } } }));
  bridge = await startTestBridge(server, {}, { configPath });
  alice = await connectUser({ c2sPort: server.c2sPort, username: "alice", password: "alice-pw" });
});

afterAll(async () => {
  await stopChild(bot);
  await alice?.stop();
  await bridge?.stop();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** alice sends an iq to the bot and waits for its answer. */
async function ask(child: Element, type = "set"): Promise<Element> {
  const id = `menu-${++sequence}`;
  await alice.send(xml("iq", { to: BOT, type, id }, child));
  return alice.waitFor((s) => s.name === "iq" && s.attrs.id === id, 20_000, `answer to ${id}`);
}

describe("examples/menu-bot", () => {
  it("offers its menu as its README says, asks with a form, and sends the report as a file", async () => {
    // Started exactly as the README tells a user to.
    const proc = spawn("node", ["examples/menu-bot/bot.mjs"], {
      cwd: ROOT,
      env: { ...process.env, XMPP_REST_URL: bridge.url, BOT_NAME: "reporter", BOT_TOKEN },
      stdio: ["ignore", "pipe", "pipe"],
    });
    bot = proc;
    const started = new Promise<void>((resolve) => {
      const read = (d: Buffer) => {
        output += d.toString();
        if (output.includes("offering")) resolve();
      };
      proc.stdout?.on("data", read);
      proc.stderr?.on("data", read);
    });
    const explain = (err: Error) => {
      throw new Error(`${err.message}\nbot output:\n${output}`);
    };
    await Promise.race([
      started,
      new Promise((_, reject) => setTimeout(() => reject(new Error("bot did not start")), 20_000)),
    ]).catch(explain);

    // The user's client lists the bot's commands.
    const list = await ask(xml("query", { xmlns: ITEMS, node: CMD }), "get");
    const items = list.getChild("query", ITEMS)?.getChildren("item") ?? [];
    expect(items.map((i) => i.attrs.name)).toEqual(["Send me the report", "About this bot"]);

    // Runs "report": a form asks for the format...
    const first = await ask(
      xml("command", { xmlns: CMD, node: "report", action: "execute" }),
    ).catch(explain);
    const step = first.getChild("command", CMD);
    expect(step?.attrs.status).toBe("executing");
    const field = step?.getChild("x", DATA)?.getChild("field");
    expect(field?.attrs).toMatchObject({ var: "format", type: "list-single" });
    // ...the user picks CSV, and the file arrives with the run's end.
    const submitted = xml(
      "x",
      { xmlns: DATA, type: "submit" },
      xml("field", { var: "format" }, xml("value", {}, "csv")),
    );
    const done = await ask(
      xml(
        "command",
        { xmlns: CMD, node: "report", sessionid: step?.attrs.sessionid ?? "", action: "complete" },
        submitted,
      ),
    ).catch(explain);
    expect(done.getChild("command", CMD)?.getChildText("note")).toBe("Sent report.csv");
    const file = await alice
      .waitFor((s) => s.name === "message" && s.getChild("x", "jabber:x:oob") !== undefined)
      .catch(explain);
    const url = file.getChild("x", "jabber:x:oob")?.getChildText("url") ?? "";
    expect(url).toMatch(/report\.csv$/);
    expect(file.getChildText("body")).toBe(url);
    const download = await fetch(url);
    expect(await download.text()).toBe("day,visitors\nmonday,120\ntuesday,98\n");
  });
});
