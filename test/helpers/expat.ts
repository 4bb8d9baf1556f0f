import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "expat-oracle.py");

export interface ExpatVerdict {
  readonly ok: boolean;
  readonly error?: string | null;
}

/**
 * Asks Expat (the parser in Prosody and ejabberd, through Python's pyexpat) whether each
 * text is one well-formed, namespace-well-formed stanza inside a component stream.
 */
export async function expatVerdicts(stanzas: readonly string[]): Promise<ExpatVerdict[]> {
  const proc = spawn("python3", [SCRIPT], { stdio: ["pipe", "pipe", "inherit"] });
  let out = "";
  proc.stdout.on("data", (d: Buffer) => {
    out += d.toString("utf8");
  });
  const exited = new Promise<number | null>((resolve) => proc.once("exit", resolve));
  proc.stdin.end(stanzas.map((s) => JSON.stringify(s)).join("\n") + (stanzas.length ? "\n" : ""));
  const code = await exited;
  if (code !== 0) throw new Error(`expat oracle exited with ${code}`);
  return out
    .trim()
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as ExpatVerdict);
}
