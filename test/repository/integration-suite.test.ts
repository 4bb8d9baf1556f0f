import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const dir = join(dirname(fileURLToPath(import.meta.url)), "../integration");
const files = readdirSync(dir).filter((f) => f.endsWith(".test.ts"));

// The integration suite runs once per server (vitest.config.ts) and scripts/test.sh counts
// each server's passes; a file that started Prosody or ejabberd itself would run the same
// server twice and be counted for the other one.
describe("integration suite", () => {
  it.each(files)("%s starts its server with startXmppServer()", (file) => {
    const source = readFileSync(join(dir, file), "utf8");
    expect(source, "import startXmppServer from ../helpers/server.js instead").not.toMatch(
      /helpers\/(prosody|ejabberd)\.js/,
    );
  });
});
