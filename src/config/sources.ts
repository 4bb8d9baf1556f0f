/**
 * Where settings come from: the JSON config file (its "bots" object aside) and the
 * environment, which wins; defaults fill the rest. Everything stays text here: checking
 * and typing is spec.ts's job, so a value reads the same from either source.
 */
import { readFileSync } from "node:fs";
import { type BotSettings, parseBotSettings } from "../bots/input.js";
import { botName } from "../bots/names.js";
import { ConfigError, type OptionSpec, type RawValues } from "./spec.js";

export interface CollectedSettings {
  /** The text of each setting by key: environment over file over default. */
  readonly values: RawValues;
  /** Bots from the config file's "bots" object, by name as written there (README, "Bots"). */
  readonly bots: Readonly<Record<string, BotSettings>>;
}

/** The config file's "bots" object: name -> settings, each checked like a PUT /v1/bots body. */
function readBots(path: string, value: unknown): Record<string, BotSettings> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(`config file ${path}: "bots" must be an object of name -> settings`);
  }
  const bots: Record<string, BotSettings> = {};
  for (const [name, settings] of Object.entries(value)) {
    try {
      botName(name);
      const parsed = parseBotSettings(settings);
      if (!parsed.tokens || parsed.tokens.length === 0) {
        throw new Error(`"tokens" must list at least one token`);
      }
      bots[name] = parsed;
    } catch (err) {
      // A StanzaError's text is the reason without its condition.
      const reason = err instanceof Error ? ((err as { text?: string }).text ?? err.message) : "";
      throw new ConfigError(`config file ${path}: bots.${name}: ${reason}`);
    }
  }
  return bots;
}

/**
 * Reads the config file: each setting as text (a list of strings joined with commas, a
 * number as written), its "bots" object apart; an unknown key is refused, typos included.
 */
function readConfigFile(path: string, known: ReadonlySet<string>): CollectedSettings {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError(`cannot read config file ${path}: ${reason}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must hold a JSON object`);
  }
  const values: RawValues = {};
  let bots: Record<string, BotSettings> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (key === "bots") {
      bots = readBots(path, value);
      continue;
    }
    if (!known.has(key)) throw new ConfigError(`config file ${path}: unknown setting "${key}"`);
    if (Array.isArray(value) && value.every((v) => typeof v === "string")) {
      values[key] = value.join(",");
    } else if (typeof value === "string" || typeof value === "number") {
      values[key] = String(value);
    } else {
      throw new ConfigError(`config file ${path}: "${key}" must be a string or a number`);
    }
  }
  return { values, bots };
}

/**
 * Merges the file (configPath, else XMPP_REST_CONFIG) and the environment (a non-empty
 * variable wins) into one text per option key, with the table's defaults for the rest.
 */
export function collectSettings(
  options: readonly OptionSpec[],
  env: NodeJS.ProcessEnv,
  configPath: string | undefined,
): CollectedSettings {
  const path = configPath ?? env.XMPP_REST_CONFIG;
  const known = new Set(options.map((o) => o.key));
  const { values, bots } = path ? readConfigFile(path, known) : { values: {}, bots: {} };
  const merged: RawValues = { ...values };
  for (const option of options) {
    const fromEnv = env[option.env];
    if (fromEnv !== undefined && fromEnv !== "") merged[option.key] = fromEnv;
    if (merged[option.key] === undefined && option.default !== undefined) {
      merged[option.key] = option.default;
    }
  }
  return { values: merged, bots };
}
