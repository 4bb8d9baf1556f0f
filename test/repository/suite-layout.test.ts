import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const unit = join(root, "test/unit");

/** Every path below test/unit, relative to it. */
function walk(dir: string, prefix = ""): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    const relative = prefix ? `${prefix}/${name}` : name;
    return statSync(path).isDirectory() ? [relative, ...walk(path, relative)] : [relative];
  });
}

// test/unit mirrors src/ (bench/ mirrors the benchmarks' own code), so a module's tests are
// where its path says; checks about the repository itself live in test/repository.
describe("unit test layout", () => {
  const entries = walk(unit);
  const folders = entries.filter((e) => statSync(join(unit, e)).isDirectory());
  const files = entries.filter((e) => e.endsWith(".test.ts"));

  it.each(folders)("test/unit/%s mirrors a folder of src/ (or bench/)", (folder) => {
    const mirrored = folder === "bench" || folder.startsWith("bench/") ? "" : join("src", folder);
    expect(mirrored === "" || existsSync(join(root, mirrored)), mirrored).toBe(true);
  });

  it.each(files.filter((f) => !f.includes("/")))(
    "test/unit/%s tests a module at the top of src/",
    (file) => {
      const module = file.replace(/\.test\.ts$/, ".ts");
      expect(existsSync(join(root, "src", module)), `src/${module}`).toBe(true);
    },
  );
});
