import { execFileSync } from "node:child_process";
import { cpus, totalmem } from "node:os";

export interface Machine {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly prosody: string;
}

/** The commit measured and the src/ files that differ from it (other engineers' work in progress). */
export function describeSource(root: string): { commit: string; dirty: string[] } {
  try {
    const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root })
      .toString()
      .trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "src"], { cwd: root })
      .toString()
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => line.slice(3));
    return { commit, dirty };
  } catch {
    return { commit: "unknown", dirty: [] };
  }
}

export function describeMachine(): Machine {
  let prosody = "unknown";
  try {
    // Never `prosody --version`: that starts a server.
    // `dpkg-query -W prosody` prints "prosody<TAB>version".
    const line = execFileSync("dpkg-query", ["-W", "prosody"]).toString().trim();
    prosody = line.split("\t")[1] ?? line;
  } catch {}
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    prosody,
  };
}
