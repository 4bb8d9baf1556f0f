/**
 * Where a bridge CPU profile (`npm run bench -- --profile`) spends its time: self time by
 * area (src file, npm package, Node internals, GC) and the hottest functions.
 *
 *   node --import tsx bench/profile-summary.ts bench/results/profiles/send-iq/*.cpuprofile
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  readonly id: number;
  readonly children?: readonly number[];
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function area(url: string, name: string): string {
  if (url === "") return name.startsWith("(") ? name : "(native)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1] && !url.includes("xmpp-rest-bench/dist")) return pkg[1];
  const own = /(?:xmpp-rest-bench\/dist|\/src)\/(.+?)\.[jt]s$/.exec(url);
  if (own?.[1]) return `src/${own[1]}`;
  if (url.startsWith("node:")) return url;
  return url;
}

function summarise(path: string, top: number): string {
  const profile = JSON.parse(readFileSync(path, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
    total += delta;
  });
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const where = area(frame.url, frame.functionName);
    areas.set(where, (areas.get(where) ?? 0) + us);
    const fn = `${frame.functionName || "(anonymous)"} ${where}:${frame.lineNumber + 1}`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
  }
  // Inclusive time: a function's own samples plus everything it called (counted once per stack).
  const inclusive = new Map<string, number>();
  const visit = (id: number, onStack: Set<string>): number => {
    const node = byId.get(id);
    if (!node) return 0;
    let us = selfUs.get(id) ?? 0;
    const frame = node.callFrame;
    const fn = `${frame.functionName || "(anonymous)"} ${area(frame.url, frame.functionName)}:${frame.lineNumber + 1}`;
    const fresh = !onStack.has(fn);
    if (fresh) onStack.add(fn);
    for (const child of node.children ?? []) us += visit(child, onStack);
    if (fresh) {
      onStack.delete(fn);
      inclusive.set(fn, (inclusive.get(fn) ?? 0) + us);
    }
    return us;
  };
  const root = profile.nodes[0];
  if (root) visit(root.id, new Set());
  const busy = total - (areas.get("(idle)") ?? 0);
  const pct = (us: number) => `${((us / busy) * 100).toFixed(1)}%`.padStart(6);
  const rank = (map: Map<string, number>) =>
    [...map]
      .filter(([key]) => !key.startsWith("(idle)") && !key.startsWith("(root)"))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, us]) => `  ${pct(us)}  ${key}`);
  return [
    `${path}: ${(busy / 1e6).toFixed(1)} s busy of ${(total / 1e6).toFixed(1)} s sampled (percentages of busy time)`,
    "self time by area:",
    ...rank(areas),
    "hottest functions (self time):",
    ...rank(functions),
    "heaviest functions (inclusive time):",
    ...rank(inclusive),
    "",
  ].join("\n");
}

for (const path of process.argv.slice(2))
  process.stdout.write(summarise(path, Number(process.env.TOP ?? 25)));
