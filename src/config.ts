/**
 * The configuration: loaded from the file and the environment once, checked against one
 * schema, typed from the options table (src/config/options.ts). Only the wiring imports
 * this module; the parts below declare the settings they read as interfaces of their own
 * (WebhookSettings, BotsSettings, ...), which `Config` satisfies.
 */
import type { BotSettings } from "./bots/input.js";
import { OPTIONS } from "./config/options.js";
import { collectSettings } from "./config/sources.js";
import { failure, type OptionSpec, type OptionValues, parseOptions } from "./config/spec.js";

export { OPTIONS } from "./config/options.js";
export {
  ConfigError,
  type OptionSpec,
  type OptionValues,
  optionsSchema,
  optionType,
  parseOptions,
} from "./config/spec.js";

/** Every setting of the table, by field name, plus the bots of the config file. */
export interface Config extends OptionValues<typeof OPTIONS> {
  /** Bots from the config file's "bots" object, by name as written there (README, "Bots"). */
  readonly bots: Readonly<Record<string, BotSettings>>;
}

export interface LoadOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly configPath?: string;
}

/** Loads and validates the configuration once; throws ConfigError naming the bad variable. */
export function loadConfig({ env = process.env, configPath }: LoadOptions = {}): Config {
  const { values: raw, bots } = collectSettings(OPTIONS, env, configPath);
  const values = parseOptions(raw, OPTIONS);
  if (values.iqTimeoutMs > values.iqMaxTimeoutMs) {
    throw failure(
      specOf("iqTimeout"),
      raw.iqTimeout,
      `at most XMPP_REST_IQ_MAX_TIMEOUT (${values.iqMaxTimeoutMs / 1000})`,
    );
  }
  return Object.freeze({ ...values, bots: Object.freeze(bots) });
}

function specOf(key: (typeof OPTIONS)[number]["key"]): OptionSpec {
  const spec = OPTIONS.find((o) => o.key === key);
  if (!spec) throw new Error(`no option ${key}`);
  return spec;
}
