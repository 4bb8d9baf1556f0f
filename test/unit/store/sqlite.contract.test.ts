import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { openStore } from "../../../src/store/index.js";
import { storeContract } from "./contract.js";

const dirs: string[] = [];
let path = "";

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** SQLite's page size here: 40 pages is room for a few dozen small stanzas. */
const FILL_AT = 40 * 4096;

storeContract("SQLite, a file", {
  open(options) {
    const dir = mkdtempSync(join(tmpdir(), "xmpp-rest-contract-"));
    dirs.push(dir);
    path = join(dir, "store.db");
    return openStore(path, options);
  },
  reopen: (options) => openStore(path, options),
  fillAt: FILL_AT,
});

storeContract("SQLite, in memory", {
  open: (options) => openStore(":memory:", options),
  fillAt: FILL_AT,
});
