import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPTIONS } from "../../src/config.js";
import { runCli as spawnCli } from "../helpers/cli.js";
import { freePort } from "../helpers/ports.js";
import { startXmppServer, type XmppServer } from "../helpers/server.js";
import { connectUser } from "../helpers/xmpp-user.js";

let server: XmppServer;
// Working directory of the spawned bridges: the default store file lands there.
const cwd = mkdtempSync(join(tmpdir(), "xmpp-rest-cli-"));
const runCli = (args: string[], env: Record<string, string>) => spawnCli(args, env, cwd);

beforeAll(async () => {
  server = await startXmppServer({ users: [{ username: "carol", password: "carol-pw" }] });
});

afterAll(async () => {
  await server?.stop();
  rmSync(cwd, { recursive: true, force: true });
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
  it("stops with exit 2 and one line when the store file is corrupt", async () => {
    const path = join(cwd, "corrupt.db");
    writeFileSync(path, "this is not a database ".repeat(300));
    const run = runCli([], {
      XMPP_REST_DOMAIN: "rest.localhost",
      XMPP_REST_SECRET: "s",
      XMPP_REST_TOKENS: "t",
      XMPP_REST_STORE: path,
    });
    expect(await run.exited).toBe(2);
    expect(run.output().trim().split("\n")).toHaveLength(1);
    expect(run.output()).toMatch(/store .*corrupt\.db: the file is not a usable xmpp-rest store/);
    expect(run.output()).not.toContain("    at ");
  });

  it("stops with exit 2 and one line when the store cannot be written", async () => {
    // A regular file where the store's directory should be: no user can write there.
    writeFileSync(join(cwd, "not-a-dir"), "");
    const run = runCli([], {
      XMPP_REST_DOMAIN: "rest.localhost",
      XMPP_REST_SECRET: "s",
      XMPP_REST_TOKENS: "t",
      XMPP_REST_STORE: join(cwd, "not-a-dir", "store.db"),
    });
    expect(await run.exited).toBe(2);
    expect(run.output().trim().split("\n")).toHaveLength(1);
    expect(run.output()).toMatch(
      /store .*not-a-dir\/store\.db: the file or its directory is not writable/,
    );
    expect(run.output()).not.toContain("    at ");
  });
});
