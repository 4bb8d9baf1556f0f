/**
 * What describes a setting, and how a table of them becomes one zod schema and one typed
 * object: the type of each value is derived from the table, so a setting is written once.
 */
import { z } from "zod";
import { type OptionType, text } from "../option-types.js";

/** One setting: where it is read from, how it is checked, and what --help and the README say. */
export interface OptionSpec<T = unknown> {
  /** Key in the JSON config file. */
  readonly key: string;
  /** Its name in the parsed values when that is not the key (iqTimeout -> iqTimeoutMs). */
  readonly field?: string;
  readonly env: string;
  readonly description: string;
  /** Default as the user would write it; undefined means required (or off). */
  readonly default?: string;
  readonly required?: boolean;
  /** The mod_rest option with the same meaning, if there is one. */
  readonly modRest?: string;
  /** How the text is read and checked (option-types.ts); plain text when absent. */
  readonly type?: OptionType<T>;
}

/**
 * A table of settings as written (`as const`), each entry also seen as an OptionSpec: its
 * literal key, default and type drive OptionValues, and every OptionSpec field can be read
 * on any entry (undefined where the entry does not set it).
 */
export type OptionTable<T extends readonly OptionSpec[]> = {
  readonly [I in keyof T]: T[I] & OptionSpec;
};

/** A configuration problem; its message is the one line the user sees. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** The text of each setting by key, merged from file, environment and defaults. */
export type RawValues = Partial<Record<string, string>>;

/** What a setting's type gives; plain text without one. */
type ValueOf<S> = S extends { readonly type: OptionType<infer T> } ? T : string;
type FieldOf<S extends OptionSpec> = S extends { readonly field: infer F extends string }
  ? F
  : S["key"];
/** Required settings and settings with a default always have a value; the rest may be off. */
type Settled<S> = S extends { readonly required: true } | { readonly default: string }
  ? ValueOf<S>
  : ValueOf<S> | undefined;

/** The parsed settings of a table, by field name, each typed by its option's type. */
export type OptionValues<O extends readonly OptionSpec[]> = {
  readonly [S in O[number] as FieldOf<S>]: Settled<S>;
};

/** A setting's type: the one it declares, or plain text. */
export function optionType(spec: OptionSpec): OptionType<unknown> {
  return spec.type ?? text();
}

/**
 * One zod schema for every setting of the table, by key: each takes the setting's text
 * (already merged from file, environment and defaults) and gives its typed value.
 * Required settings must be present and non-empty; an empty optional one is off.
 */
export function optionsSchema(options: readonly OptionSpec[]) {
  const shape: Record<string, z.ZodType> = {};
  for (const spec of options) {
    const present = z.preprocess(
      (raw: unknown) => (typeof raw === "string" ? raw.trim() : raw),
      optionType(spec).schema,
    );
    shape[spec.key] = spec.required
      ? present
      : z.preprocess(
          (raw: unknown) => (typeof raw === "string" && raw.trim() === "" ? undefined : raw),
          present.optional(),
        );
  }
  return z.object(shape);
}

/** The error line for a setting: the variable, the key, what was wrong and what is expected. */
export function failure(
  spec: OptionSpec,
  value: string | undefined,
  expected: string,
): ConfigError {
  const shown = value === undefined ? "missing" : `"${value}" is not valid`;
  return new ConfigError(`${spec.env} (${spec.key}): ${shown}; expected ${expected}`);
}

/**
 * Checks every setting of the table and gives their values by field name; the first
 * problem (in table order) is thrown as a ConfigError.
 */
export function parseOptions<const O extends readonly OptionSpec[]>(
  raw: RawValues,
  options: O,
): OptionValues<O> {
  const result = optionsSchema(options).safeParse(raw);
  if (!result.success) {
    const keys = new Set(result.error.issues.map((issue) => String(issue.path[0])));
    const spec = options.find((o) => keys.has(o.key)) ?? options[0];
    if (!spec) throw new ConfigError("no settings");
    const value = raw[spec.key]?.trim();
    throw failure(spec, value === "" ? undefined : value, optionType(spec).expected);
  }
  const values: Record<string, unknown> = {};
  for (const spec of options) values[spec.field ?? spec.key] = result.data[spec.key];
  // Sound by construction: each field holds what its option's schema gave, which is the
  // type OptionValues derives for it (undefined only where the option may be off).
  return values as OptionValues<O>;
}
