/**
 * The types a setting can have, each a zod schema over the setting's text (from the
 * environment or the config file) giving a value of type T, plus the words --help and
 * error lines use for it. src/config/ builds one schema for all settings from its OPTIONS
 * table with these, and derives the type of each setting in `Config` from them.
 */
import { z } from "zod";

export interface OptionType<T> {
  /** Parses the trimmed, non-empty text of a setting into its value. */
  readonly schema: z.ZodType<T, string>;
  /** Short form for --help: `integer 0..65535`, `seconds 0.001..86400`, `one of a|b`. */
  readonly help: string;
  /** What an error line says was expected: `a whole number from 0 to 65535`. */
  readonly expected: string;
}

const option = <T>(schema: z.ZodType<T, string>, help: string, expected: string) => ({
  schema,
  help,
  expected,
});

/** Any non-empty text. */
export function text(expected = "a value", help = "text"): OptionType<string> {
  return option(z.string().min(1), help, expected);
}

/** Text that must match a pattern (checked as written). */
export function matching(pattern: RegExp, expected: string, help = expected): OptionType<string> {
  return option(z.string().regex(pattern), help, expected);
}

export function integer(min: number, max: number): OptionType<number> {
  return option(
    z.string().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(min).max(max)),
    `integer ${min}..${max}`,
    `a whole number from ${min} to ${max}`,
  );
}

/** A number of seconds, read as milliseconds. */
export function seconds(min: number, max: number): OptionType<number> {
  return option(
    z
      .string()
      .transform(Number)
      .pipe(z.number().min(min).max(max))
      .transform((s) => Math.round(s * 1000)),
    `seconds ${min}..${max}`,
    `a number of seconds from ${min} to ${max}`,
  );
}

/** One of a few words, case-insensitive; the value is the word as the list spells it. */
export function oneOf<const V extends readonly [string, ...string[]]>(
  values: V,
): OptionType<V[number]> {
  return option(
    z
      .string()
      .transform((s) => s.toLowerCase())
      .pipe(z.enum(values)),
    `one of ${values.join("|")}`,
    `one of ${values.join(", ")}`,
  );
}

/** on/off, read as a boolean. */
export function onOff(): OptionType<boolean> {
  return option(
    z
      .string()
      .transform((s) => s.toLowerCase())
      .pipe(z.enum(["on", "off"]))
      .transform((s) => s === "on"),
    "on|off",
    "on or off",
  );
}

/** The comma-separated items of a text, trimmed, empty ones dropped. */
const items = z.string().transform((s) =>
  s
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== ""),
);

/** A comma-separated list of any words, at least one; the value is frozen. */
export function list(expected: string): OptionType<readonly string[]> {
  return option(
    items.pipe(z.array(z.string()).min(1)).transform((words) => Object.freeze(words)),
    "comma-separated list",
    expected,
  );
}

/** A comma-separated list of words from a fixed set, at least one; the value is frozen. */
export function listOf<const V extends readonly [string, ...string[]]>(
  allowed: V,
  expected: string,
): OptionType<readonly V[number][]> {
  return option(
    items.pipe(z.array(z.enum(allowed)).min(1)).transform((words) => Object.freeze(words)),
    `list of ${allowed.join(",")}`,
    expected,
  );
}

/** Text turned into a value by `parse`, which returns undefined when the text is not valid. */
export function parsed<T>(
  parse: (text: string) => T | undefined,
  help: string,
  expected: string,
): OptionType<T> {
  return option(
    z.string().transform((s, ctx) => {
      const value = parse(s);
      if (value === undefined) {
        ctx.addIssue({ code: "custom", message: expected });
        return z.NEVER;
      }
      return value;
    }),
    help,
    expected,
  );
}
