import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { OPTIONS } from "../../src/config.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const readme = readFileSync(join(root, "README.md"), "utf8");

describe("README", () => {
  it.each(OPTIONS.map((o) => [o.env, o]))(
    "documents %s in the configuration table",
    (env, option) => {
      const row = readme.split("\n").find((line) => line.startsWith(`| \`${env}\``));
      expect(row, `no table row for ${env}`).toBeDefined();
      if (option.default) expect(row).toContain(option.default);
    },
  );

  it.each([
    ["lua", "prosody-config/prosody.cfg.lua"],
    ["yaml", "ejabberd-config/ejabberd.yml"],
  ])("shows a %s server snippet that the example config %s contains", (lang, file) => {
    const block = new RegExp(`\`\`\`${lang}\n([\\s\\S]*?)\`\`\``).exec(readme)?.[1];
    expect(block, `no ${lang} block`).toBeDefined();
    const example = readFileSync(join(root, file), "utf8").split("\n");
    for (const line of (block ?? "").split("\n").filter((l) => l.trim() !== "")) {
      expect(example, `${file} lacks: ${line}`).toContain(line);
    }
  });

  it("gives the two set-up commands", () => {
    expect(readme).toContain("npm run demo");
    expect(readme).toContain("npm test");
  });
});
