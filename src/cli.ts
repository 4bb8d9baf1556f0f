/** The command line: parses arguments and settings, runs the bridge until a signal. */
import { parseArgs } from "node:util";
import { startBridge } from "./bridge.js";
import { ConfigError, loadConfig, OPTIONS, optionType } from "./config.js";
import { createLogger } from "./log.js";
import { StoreOpenError } from "./store/index.js";
import { allowYoungGenerationGrowth } from "./young-generation.js";

function helpText(): string {
  const lines = [
    "Usage: xmpp-rest [--config FILE]",
    "",
    "An XEP-0114 component that puts mod_rest's HTTP API in front of any XMPP server.",
    "Settings come from the JSON file (--config FILE or XMPP_REST_CONFIG) and the",
    "environment; the environment wins.",
    "",
    "Options:",
    "  --config FILE   JSON config file (keys below)              [env XMPP_REST_CONFIG]",
    "  --help          print this help",
    "",
    "Settings (config key, environment variable, type and range, default):",
  ];
  for (const o of OPTIONS) {
    const dflt = o.required ? "required" : o.default === undefined ? "off" : `default ${o.default}`;
    lines.push(`  ${o.key.padEnd(22)} ${o.env.padEnd(34)} ${optionType(o).help}; ${dflt}`);
    lines.push(`      ${o.description}`);
  }
  return `${lines.join("\n")}\n`;
}

async function main(): Promise<number> {
  let args: ReturnType<
    typeof parseArgs<{ options: { config: { type: "string" }; help: { type: "boolean" } } }>
  >;
  try {
    args = parseArgs({ options: { config: { type: "string" }, help: { type: "boolean" } } });
  } catch (err) {
    process.stderr.write(`xmpp-rest: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  if (args.values.help) {
    process.stdout.write(helpText());
    return 0;
  }

  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ ...(args.values.config ? { configPath: args.values.config } : {}) });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`xmpp-rest: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  const log = createLogger(config.logLevel, { format: config.logFormat });
  // Signal handlers go in before start-up so a SIGTERM during it still shuts down cleanly.
  const signalled = new Promise<string>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
  });

  let bridge: Awaited<ReturnType<typeof startBridge>>;
  try {
    bridge = await startBridge(config, log);
  } catch (err) {
    process.stderr.write(
      `xmpp-rest: cannot start: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    // An unusable store is a configuration problem, like a bad setting.
    return err instanceof StoreOpenError ? 2 : 1;
  }
  allowYoungGenerationGrowth();

  log.info("shutting down", { signal: await signalled });
  try {
    await bridge.stop();
    return 0;
  } catch (err) {
    log.error("shutdown failed", { err });
    return 1;
  }
}

/**
 * After a clean shutdown the process should end by itself; a handle something forgot to
 * close (a timer, a keep-alive socket) would keep it alive and make a SIGTERM hang under
 * a supervisor. Past this grace it exits anyway, naming what was still open.
 */
const EXIT_GRACE_MS = 3_000;

main().then(
  (code) => {
    process.exitCode = code;
    setTimeout(() => {
      const open = process.getActiveResourcesInfo().filter((r) => r !== "Timeout");
      process.stderr.write(`xmpp-rest: exiting with handles still open: ${open.join(", ")}\n`);
      process.exit(code);
    }, EXIT_GRACE_MS).unref();
  },
  (err: unknown) => {
    process.stderr.write(
      `xmpp-rest: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  },
);
