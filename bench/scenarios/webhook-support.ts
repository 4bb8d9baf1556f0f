import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ROOT } from "../lib/bridge.js";

/**
 * Whether the bridge in this tree calls a webhook: the option exists and the bridge wires a
 * webhook in. Checked from the sources so a tree without it reports "not run" instead of failing.
 */
export async function webhookSupported(): Promise<boolean> {
  const read = (path: string) => readFile(join(ROOT, path), "utf8").catch(() => "");
  // The options moved from src/config.ts to src/config/options.ts (issue 20): either counts.
  const [config, options, bridge] = await Promise.all([
    read("src/config.ts"),
    read("src/config/options.ts"),
    read("src/bridge.ts"),
  ]);
  return `${config}${options}`.includes("XMPP_REST_CALLBACK_URL") && /webhook/i.test(bridge);
}
