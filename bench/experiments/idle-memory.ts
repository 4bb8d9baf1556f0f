/**
 * Idle RSS broken down (anonymous / file-backed) for entry-point variants.
 * Run: node --import tsx bench/experiments/idle-memory.ts [main.js ...] [-- node flags]
 * Without arguments it measures the compiled bridge (bench's build).
 */
import { readFileSync } from "node:fs";
import { buildBridge, launchBridge } from "../lib/bridge.js";
import { sleep } from "../lib/clock.js";
import { Cleanup } from "../lib/procs.js";
import { startBenchProsody } from "../lib/prosody.js";

function status(pid: number): string {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  const pick = (key: string) => text.match(new RegExp(`${key}:\\s+(\\d+)`))?.[1] ?? "?";
  const mib = (key: string) => (Number(pick(key)) / 1024).toFixed(1);
  return `rss ${mib("VmRSS")} anon ${mib("RssAnon")} file ${mib("RssFile")} shmem ${mib("RssShmem")}`;
}

/** Resident KiB per mapped file (and anonymous regions by name), largest first. */
function mappings(pid: number): string {
  const totals = new Map<string, number>();
  let current = "";
  for (const line of readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const header = line.match(/^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/);
    if (header) current = `${header[1] || "[anon]"} ${line.split(" ")[1]} ${line.split(" ")[2]}`;
    const rss = line.match(/^Rss:\s+(\d+)/);
    if (rss) totals.set(current, (totals.get(current) ?? 0) + Number(rss[1]));
  }
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([name, kib]) => `  ${(kib / 1024).toFixed(1)} MiB ${name}\n`)
    .join("");
}

const args = process.argv.slice(2);
const split = args.indexOf("--");
const entries = split === -1 ? args : args.slice(0, split);
const flags = split === -1 ? [] : args.slice(split + 1);
const cleanup = new Cleanup();
try {
  const prosody = await startBenchProsody({ cpus: "0", users: [], password: "x" });
  cleanup.add("prosody", () => prosody.stop());
  const mains = entries.length > 0 ? entries : [await buildBridge()];
  for (const main of mains) {
    const bridge = await launchBridge({
      prosody,
      cpus: "1",
      main,
      cleanup,
      env: {
        ...(flags.length > 0 ? { NODE_OPTIONS: flags.join(" ") } : {}),
        // For libraries-only.mjs: which libraries to leave out.
        ...(process.env.LEAVE_OUT ? { LEAVE_OUT: process.env.LEAVE_OUT } : {}),
      },
    });
    await sleep(3_000);
    process.stdout.write(`${main}: ${status(bridge.pid)}\n`);
    if (process.env.SMAPS) process.stdout.write(mappings(bridge.pid));
    await bridge.stop();
  }
} finally {
  await cleanup.runAll();
}
