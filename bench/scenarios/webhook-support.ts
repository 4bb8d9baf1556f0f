import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ROOT } from "../lib/bridge.js";

/**
 * Whether the bridge in this tree calls a webhook: the option exists and the bridge wires a
 * webhook in. Checked from the sources so a tree without it reports "not run" instead of failing.
 */
export async function webhookSupported(): Promise<boolean> {
  const read = (path: string) => readFile(join(ROOT, path), "utf8").catch(() => "");
  const [config, bridge] = await Promise.all([read("src/config.ts"), read("src/bridge.ts")]);
  return config.includes("XMPP_REST_CALLBACK_URL") && /webhook/i.test(bridge);
}
