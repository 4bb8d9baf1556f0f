import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { OPTIONS } from "../../src/config.js";

const readme = readFileSync(
  join(dirname(fileURLToPath(import.meta.url)), "../../README.md"),
  "utf8",
);

describe("README", () => {
  it.each(OPTIONS.map((o) => [o.env, o]))(
    "documents %s in the configuration table",
    (env, option) => {
      const row = readme.split("\n").find((line) => line.startsWith(`| \`${env}\``));
      expect(row, `no table row for ${env}`).toBeDefined();
      if (option.default) expect(row).toContain(option.default);
    },
  );

  it("gives the two set-up commands", () => {
    expect(readme).toContain("npm run demo");
    expect(readme).toContain("npm test");
  });
});
