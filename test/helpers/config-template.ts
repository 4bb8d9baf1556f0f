import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Renders a server config template ({{NAME}} placeholders; DATA_DIR is always filled in)
 * into a new temporary data directory.
 */
export async function renderConfigTemplate(
  template: string,
  prefix: string,
  fileName: string,
  values: Record<string, string>,
): Promise<{ dataDir: string; configPath: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), prefix));
  const configPath = join(dataDir, fileName);
  const all: Record<string, string> = { DATA_DIR: dataDir, ...values };
  const text = await readFile(template, "utf8");
  await writeFile(
    configPath,
    text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => all[name] ?? ""),
  );
  return { dataDir, configPath };
}
