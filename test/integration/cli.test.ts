import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPTIONS } from "../../src/config.js";
import { freePort } from "../helpers/ports.js";
import { startXmppServer, type XmppServer } from "../helpers/server.js";
import { connectUser } from "../helpers/xmpp-user.js";

const BIN = join(dirname(fileURLToPath(import.meta.url)), "../../bin/xmpp-rest.js");

interface Run {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
  /** Resolves when stderr has printed a line matching the pattern. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

function runCli(args: string[], env: Record<string, string>): Run {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const listeners = new Set<() => void>();
  const collect = (d: Buffer) => {
    output += d.toString();
    for (const listener of [...listeners]) listener();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  return {
    child,
    output: () => output,
    exited,
    waitForLog(pattern, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(output)) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no log line matching ${pattern}; output:\n${output}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
  };
}

let server: XmppServer;

beforeAll(async () => {
  server = await startXmppServer({ users: [{ username: "carol", password: "carol-pw" }] });
});

afterAll(async () => {
  await server?.stop();
});

describe("the xmpp-rest command", () => {
  it("--help lists every option with its environment variable, type and range, and default", async () => {
    const run = runCli(["--help"], {});
    expect(await run.exited).toBe(0);
    for (const option of OPTIONS) {
      expect(run.output()).toContain(option.env);
      if (option.default) expect(run.output()).toContain(option.default);
      if (option.type) expect(run.output()).toContain(option.type.help);
    }
  });

  it("stops with one clear line naming the variable when configuration is missing", async () => {
    const run = runCli([], { XMPP_REST_SECRET: "s", XMPP_REST_TOKENS: "t" });
    expect(await run.exited).toBe(2);
    expect(run.output().trim().split("\n")).toHaveLength(1);
    expect(run.output()).toContain("XMPP_REST_DOMAIN");
    expect(run.output()).not.toContain("    at ");
  });

  it("names a bad value and what was expected", async () => {
    const run = runCli([], {
      XMPP_REST_DOMAIN: "rest.localhost",
      XMPP_REST_SECRET: "s",
      XMPP_REST_TOKENS: "t",
      XMPP_REST_IQ_TIMEOUT: "forever",
    });
    expect(await run.exited).toBe(2);
    expect(run.output()).toMatch(/XMPP_REST_IQ_TIMEOUT.*"forever".*expected/);
  });

  it("connects with the three required settings, sends, and exits 0 on SIGTERM", async () => {
    const httpPort = await freePort();
    const run = runCli([], {
      XMPP_REST_DOMAIN: server.componentDomain,
      XMPP_REST_SECRET: server.componentSecret,
      XMPP_REST_TOKENS: "cli-token",
      XMPP_REST_SERVICE: server.service,
      XMPP_REST_HTTP_PORT: String(httpPort),
    });
    try {
      await run.waitForLog(/xmpp link online/);
      const carol = await connectUser({
        c2sPort: server.c2sPort,
        username: "carol",
        password: "carol-pw",
      });
      try {
        const res = await fetch(`http://127.0.0.1:${httpPort}/rest`, {
          method: "POST",
          headers: { authorization: "Bearer cli-token", "content-type": "application/xmpp+xml" },
          body: '<message to="carol@localhost"><body>from the cli</body></message>',
        });
        expect(res.status).toBe(202);
        await carol.waitFor((s) => s.getChildText("body") === "from the cli");
      } finally {
        await carol.stop();
      }
      run.child.kill("SIGTERM");
      expect(await run.exited).toBe(0);
      expect(run.output()).toMatch(/stopped/);
    } finally {
      run.child.kill("SIGKILL");
    }
  });

  it("reads a JSON config file, with the environment taking precedence", async () => {
    const { writeFile } = await import("node:fs/promises");
    const file = join(server.dataDir, "bridge.json");
    await writeFile(
      file,
      JSON.stringify({
        domain: server.componentDomain,
        secret: "wrong",
        tokens: ["a", "b"],
        logLevel: "nonsense",
      }),
    );
    const run = runCli(["--config", file], { XMPP_REST_LOG_LEVEL: "debug", XMPP_REST_SECRET: "x" });
    // Everything validates (env fixed the log level), so it starts and keeps retrying the handshake.
    await run.waitForLog(/http api listening/);
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
  });
});
