import type { Pinning, ScenarioResult } from "./context.js";
import type { Machine } from "./machine.js";

const cell = (value: number | string | undefined) => (value === undefined ? "" : String(value));

/** The results as one Markdown table plus a header saying where and how they were taken. */
export function renderMarkdown(
  machine: Machine,
  pinning: Pinning,
  mode: string,
  notes: readonly string[],
  results: readonly ScenarioResult[],
): string {
  const lines = [
    `## xmpp-rest benchmark (${mode})`,
    "",
    `- machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB`,
    `- versions: Node ${machine.node}, Prosody ${machine.prosody}`,
    `- pinning (taskset): Prosody on CPU ${pinning.prosody}; load generator, XMPP clients and webhook on CPU ${pinning.driver}; bridge and every baseline process on CPU ${pinning.measured}`,
    ...notes.map((note) => `- ${note}`),
    "",
    "| scenario | subject | load | throughput | p50 ms | p99 ms | errors | lost | dup | peak RSS MiB | CPU µs/op | CPU % measured / Prosody / driver | cores busy % | ratio | notes |",
    "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|",
  ];
  for (const result of results) {
    if (result.status !== "ok") {
      lines.push(
        `| ${result.name} | ${result.status.toUpperCase()} | | | | | | | | | | | | | ${result.reason ?? ""} |`,
      );
      continue;
    }
    for (const row of result.rows) {
      const ratios = Object.entries(row.ratios ?? {})
        .map(([name, value]) => `${value.toFixed(2)}× ${name}`)
        .join("; ");
      const throughput =
        row.throughput === undefined ? undefined : `${row.throughput} ${row.unit ?? "/s"}`;
      lines.push(
        `| ${[
          row.scenario,
          row.subject,
          row.load,
          throughput,
          row.latency?.p50,
          row.latency?.p99,
          row.errors,
          row.lost,
          row.duplicates,
          row.peakRssMb,
          row.cpuUsPerOp,
          row.prosodyCpuPercent === undefined
            ? row.cpuPercent
            : `${row.cpuPercent} / ${row.prosodyCpuPercent} / ${cell(row.driverCpuPercent)}`,
          row.coreBusyPercent?.join(" / "),
          ratios,
          row.notes,
        ]
          .map(cell)
          .join(" | ")} |`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}
