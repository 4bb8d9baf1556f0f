/**
 * The types a setting can have, each a zod schema over the setting's text (from the
 * environment or the config file) plus the words --help and error lines use for it.
 * src/config.ts builds one schema for all settings from its OPTIONS list with these.
 */
import { z } from "zod";

export interface OptionType {
  /** Parses the trimmed, non-empty text of a setting into its value. */
  readonly schema: z.ZodType<unknown, string>;
  /** Short form for --help: `integer 0..65535`, `seconds 0.001..86400`, `one of a|b`. */
  readonly help: string;
  /** What an error line says was expected: `a whole number from 0 to 65535`. */
  readonly expected: string;
}

const option = (schema: z.ZodType<unknown, string>, help: string, expected: string) => ({
  schema,
  help,
  expected,
});

/** Any non-empty text. */
export function text(expected = "a value", help = "text"): OptionType {
  return option(z.string().min(1), help, expected);
}

/** Text that must match a pattern (checked as written). */
export function matching(pattern: RegExp, expected: string, help = expected): OptionType {
  return option(z.string().regex(pattern), help, expected);
}

export function integer(min: number, max: number): OptionType {
  return option(
    z.string().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(min).max(max)),
    `integer ${min}..${max}`,
    `a whole number from ${min} to ${max}`,
  );
}

/** A number of seconds, read as milliseconds. */
export function seconds(min: number, max: number): OptionType {
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

/** One of a few words, case-insensitive. */
export function oneOf(values: readonly [string, ...string[]]): OptionType {
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
export function onOff(): OptionType {
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

/** A comma-separated list with at least one item, optionally from a fixed set. */
export function list(expected: string, allowed?: readonly [string, ...string[]]): OptionType {
  const item = allowed ? z.enum(allowed) : z.string();
  return option(
    z
      .string()
      .transform((s) =>
        s
          .split(",")
          .map((part) => part.trim())
          .filter((part) => part !== ""),
      )
      .pipe(z.array(item).min(1)),
    allowed ? `list of ${allowed.join(",")}` : "comma-separated list",
    expected,
  );
}

/** Text turned into a value by `parse`, which returns undefined when the text is not valid. */
export function parsed<T>(
  parse: (text: string) => T | undefined,
  help: string,
  expected: string,
): OptionType {
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
