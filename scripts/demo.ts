/**
 * The demo: a local Prosody on loopback, the bridge as a user would run it, the
 * example echo bot as its webhook, and curl talking to the HTTP API. Prints
 * every command and what came back, then how to try it by hand.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import xml, { type Element } from "@xmpp/xml";
import { preferPort, waitForPort } from "../test/helpers/ports.js";
import { type Prosody, startProsody } from "../test/helpers/prosody.js";
import { connectUser, type XmppUser } from "../test/helpers/xmpp-user.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const run = promisify(execFile);
const TOKEN = "demo-token";
const DOMAIN = "rest.localhost";
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const children: ChildProcess[] = [];

function step(title: string) {
  process.stdout.write(`\n${bold(`== ${title}`)}\n`);
}

function startChild(command: string, args: string[], env: Record<string, string>, name: string) {
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  const keep = (d: Buffer) => {
    output += d.toString();
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  child.once("exit", (code) => {
    if (code !== null && code !== 0)
      process.stderr.write(`${name} exited with ${code}:\n${output}\n`);
  });
  return { child, output: () => output };
}

async function curl(args: string[]): Promise<string> {
  const shown = args.map((a) => (/[\s'"<>&;]/.test(a) ? `'${a}'` : a)).join(" ");
  process.stdout.write(`$ curl ${shown}\n`);
  const { stdout } = await run("curl", ["-sS", ...args]);
  process.stdout.write(`${stdout.trimEnd()}\n`);
  return stdout;
}

async function main() {
  const interactive = process.stdin.isTTY && !process.env.CI;
  step("Starting a local Prosody on loopback");
  const prosody: Prosody = await startProsody({
    users: [{ username: "alice", password: "alice-pw" }],
    c2sPort: await preferPort(5222),
    componentPort: await preferPort(5347),
    componentDomain: DOMAIN,
    componentSecret: "demo-secret",
  });
  process.stdout.write(
    `Prosody: c2s 127.0.0.1:${prosody.c2sPort}, component 127.0.0.1:${prosody.componentPort}\n`,
  );
  process.stdout.write(`Config and data: ${prosody.dataDir}\n`);

  const env: Record<string, string> = {
    XMPP_REST_DOMAIN: DOMAIN,
    XMPP_REST_SECRET: "demo-secret",
    XMPP_REST_TOKENS: TOKEN,
    // The default service is xmpp://127.0.0.1:5347: only say it when the demo had to use another port.
    ...(prosody.componentPort === 5347 ? {} : { XMPP_REST_SERVICE: prosody.service }),
    XMPP_REST_HTTP_PORT: String(await preferPort(5281)),
  };

  const botDir = join(root, "examples", "express-echo");
  if (existsSync(join(botDir, "server.mjs"))) {
    step("Starting the example echo bot: node examples/express-echo/server.mjs");
    const botPort = await preferPort(3000);
    startChild(
      process.execPath,
      [join(botDir, "server.mjs")],
      { PORT: String(botPort) },
      "echo bot",
    );
    await waitForPort(botPort, 10_000);
    env.XMPP_REST_CALLBACK_URL = `http://127.0.0.1:${botPort}/webhook`;
    process.stdout.write(`Echo bot listening on ${env.XMPP_REST_CALLBACK_URL}\n`);
  }

  step("Starting the bridge: npx xmpp-rest");
  for (const [k, v] of Object.entries(env)) process.stdout.write(`  ${k}=${v}\n`);
  const bridge = startChild(
    process.execPath,
    [join(root, "bin", "xmpp-rest.js")],
    env,
    "xmpp-rest",
  );
  await waitFor(() => /xmpp link online/.test(bridge.output()), 15_000, "the bridge to connect");
  process.stdout.write("The bridge is connected to Prosody as component rest.localhost.\n");
  const api = `http://127.0.0.1:${env.XMPP_REST_HTTP_PORT}`;

  step("A user, alice@localhost, logs in with an XMPP client");
  const alice: XmppUser = await connectUser({
    c2sPort: prosody.c2sPort,
    username: "alice",
    password: "alice-pw",
    resource: "demo",
  });
  process.stdout.write(`Logged in as ${alice.jid}\n`);

  step("Send a message through the API");
  const auth = ["-H", `Authorization: Bearer ${TOKEN}`];
  await curl([
    "-i",
    ...auth,
    "-H",
    "Content-Type: application/xmpp+xml",
    "--data",
    '<message to="alice@localhost" type="chat"><body>Hello from curl!</body></message>',
    `${api}/rest`,
  ]);
  const got = await alice.waitFor((s) => s.getChildText("body") === "Hello from curl!");
  process.stdout.write(`alice received: ${got.toString()}\n`);

  step("Send an iq and wait for its reply (long-poll)");
  await curl([
    ...auth,
    "-H",
    "Content-Type: application/xmpp+xml",
    "--data",
    '<iq type="get" to="localhost"><query xmlns="jabber:iq:version"/></iq>',
    `${api}/rest`,
  ]);

  step("The same in JSON, and a GET query");
  await curl([
    "-i",
    ...auth,
    "-H",
    "Content-Type: application/json",
    "--data",
    '{"to":"alice@localhost","type":"chat","body":"Hello in JSON"}',
    `${api}/rest`,
  ]);
  const gotJson = await alice.waitFor((s) => s.getChildText("body") === "Hello in JSON");
  process.stdout.write(`alice received: ${gotJson.toString()}\n`);
  await curl([...auth, "-H", "Accept: application/json", `${api}/rest/version/localhost`]);

  if (env.XMPP_REST_CALLBACK_URL) {
    step("alice chats with echo@rest.localhost; the webhook answers");
    await alice.send(
      xml(
        "message",
        { to: `echo@${DOMAIN}`, type: "chat", id: "demo-1" },
        xml("body", {}, "Hi bot, echo this"),
      ),
    );
    const reply: Element = await alice.waitFor(
      (s) => s.attrs.from?.startsWith(`echo@${DOMAIN}`) === true,
      10_000,
      "the echo",
    );
    process.stdout.write(
      `alice sent:     Hi bot, echo this\nalice received: ${reply.toString()}\n`,
    );
  }

  step("Try it yourself");
  process.stdout.write(
    [
      `curl -H 'Authorization: Bearer ${TOKEN}' -H 'Content-Type: application/xmpp+xml' \\`,
      `  --data '<message to="alice@localhost"><body>hi</body></message>' ${api}/rest`,
      `curl -H 'Authorization: Bearer ${TOKEN}' -H 'Content-Type: application/xmpp+xml' \\`,
      `  --data '<iq type="get" to="localhost"><ping xmlns="urn:xmpp:ping"/></iq>' ${api}/rest`,
      `curl ${api}/health`,
      ...(env.XMPP_REST_CALLBACK_URL
        ? [`Chat with echo@${DOMAIN} from an XMPP client logged in as alice: the echo bot answers.`]
        : []),
      `Any XMPP client can log in as alice@localhost / alice-pw on 127.0.0.1:${prosody.c2sPort} (plain TCP, no TLS).`,
      "",
    ].join("\n"),
  );

  if (interactive) {
    process.stdout.write("Everything keeps running; press Ctrl-C to stop.\n");
    await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
  }
  await alice.stop();
  for (const child of children.reverse()) child.kill("SIGTERM");
  await Promise.all(
    children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : null)),
  );
  await prosody.stop();
  process.stdout.write("\nDemo finished: everything it started has stopped.\n");
}

async function waitFor(check: () => boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  for (const child of children) child.kill("SIGKILL");
  process.exitCode = 1;
});
