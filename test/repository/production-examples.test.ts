import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { OPTIONS } from "../../src/config.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const UNIT = readFileSync(join(ROOT, "examples/systemd/xmpp-rest.service"), "utf8");
const ENV = readFileSync(join(ROOT, "examples/systemd/env.example"), "utf8");
// The store's file, read by the durable-delivery work; the unit sets it in the state directory.
const KNOWN = new Set([...OPTIONS.map((o) => o.env), "XMPP_REST_STORE"]);

const dir = mkdtempSync(join(tmpdir(), "xmpp-rest-unit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("examples/systemd", () => {
  it("is a unit systemd accepts without a warning", async () => {
    // The same unit, pointed at this checkout instead of /opt/xmpp-rest and /etc/xmpp-rest.
    const unit = join(dir, "xmpp-rest.service");
    writeFileSync(
      unit,
      UNIT.replaceAll("/opt/xmpp-rest", ROOT).replace(
        "/etc/xmpp-rest/env",
        join(ROOT, "examples/systemd/env.example"),
      ),
    );
    expect(existsSync("/usr/bin/systemd-analyze"), "systemd-analyze (package systemd)").toBe(true);
    const { stderr } = await promisify(execFile)("/usr/bin/systemd-analyze", ["verify", unit]);
    expect(stderr).toBe("");
  });

  it("keeps the store in the state directory and runs the bridge's own entry point", () => {
    expect(UNIT).toMatch(/^StateDirectory=xmpp-rest$/m);
    expect(UNIT).toMatch(/^Environment=XMPP_REST_STORE=%S\/xmpp-rest\/store\.sqlite$/m);
    expect(UNIT).toMatch(/^ExecStart=\/usr\/bin\/node \/opt\/xmpp-rest\/bin\/xmpp-rest\.js$/m);
    expect(existsSync(join(ROOT, "bin/xmpp-rest.js"))).toBe(true);
    // A configuration error exits 2: systemd must not restart it in a loop.
    expect(UNIT).toMatch(/^RestartPreventExitStatus=2$/m);
  });

  it("names only settings the bridge has", () => {
    const names = `${UNIT}\n${ENV}`.match(/XMPP_REST_[A-Z_]+/g) ?? [];
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) expect(KNOWN, name).toContain(name);
  });
});
