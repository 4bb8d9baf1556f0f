import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Run, runCli } from "../helpers/cli.js";
import { freePort } from "../helpers/ports.js";
import { startXmppServer, type XmppServer } from "../helpers/server.js";

let server: XmppServer;
let dir: string;
const runs: Run[] = [];

beforeAll(async () => {
  server = await startXmppServer({ users: [] });
  dir = mkdtempSync(join(tmpdir(), "xmpp-rest-lock-"));
});

afterEach(async () => {
  for (const run of runs.splice(0)) {
    run.child.kill("SIGKILL");
    await run.exited;
  }
});

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function start(store: string): Promise<Run> {
  const run = runCli(
    [],
    {
      XMPP_REST_DOMAIN: server.componentDomain,
      XMPP_REST_SECRET: server.componentSecret,
      XMPP_REST_SERVICE: server.service,
      XMPP_REST_TOKENS: "lock-token",
      XMPP_REST_HTTP_PORT: String(await freePort()),
      XMPP_REST_STORE: store,
    },
    dir,
  );
  runs.push(run);
  return run;
}

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("one bridge per store file", () => {
  it("a second bridge on the file exits 2 with one line naming the file and the first one; after a kill -9 of the first, the next one starts", async () => {
    const store = join(dir, "store.db");
    const first = await start(store);
    await first.waitForLog(/http api listening/);

    const second = await start(store);
    expect(await second.exited).toBe(2);
    const lines = second.output().trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `store ${literal(store)}: in use by another xmpp-rest \\(pid ${first.child.pid} on ${literal(hostname())}`,
      ),
    );
    expect(second.output()).not.toContain("    at ");

    first.child.kill("SIGKILL");
    expect(await first.exited).toBeNull();
    const third = await start(store);
    await third.waitForLog(/xmpp link online/);
    third.child.kill("SIGTERM");
    expect(await third.exited).toBe(0);
  });

  const sqlite3 = spawnSync("sqlite3", ["-version"]).status === 0;
  it.skipIf(!sqlite3)("can be backed up while it runs, as the README says", async () => {
    const store = join(dir, "backed-up.db");
    const bridge = await start(store);
    await bridge.waitForLog(/http api listening/);
    const backup = join(dir, "backup.sqlite");
    const result = spawnSync("sqlite3", [store, `.backup '${backup}'`]);
    expect(result.status, String(result.stderr)).toBe(0);
    const copy = new Database(backup, { readonly: true });
    try {
      const id = copy.prepare("SELECT value FROM meta WHERE key = 'store-id'").get();
      expect(id).toMatchObject({ value: expect.stringMatching(/^[0-9a-f]+$/) });
    } finally {
      copy.close();
    }
    bridge.child.kill("SIGTERM");
    expect(await bridge.exited).toBe(0);
  });
});
