/**
 * Reading untrusted JSON. Every reader takes the field's path so that a 422 names the field
 * and what was expected. `null` counts as absent, like mod_rest's json.null.
 */
import { type StanzaError, unprocessable } from "../../stanza/errors.js";
import { findNonXmlChar } from "../xml.js";

/** The 422 for a bad field; pass the offending value (even `undefined`) to have it described. */
export function invalid(path: string, expected: string, ...got: unknown[]): StanzaError {
  const found = got.length > 0 ? `, got ${describe(got[0])}` : "";
  return unprocessable(`${path}: expected ${expected}${found}`);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return value.length > 40 ? "a string" : JSON.stringify(value);
  if (typeof value === "object") return "an object";
  return typeof value === "number" || typeof value === "boolean" ? String(value) : typeof value;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function isAbsent(value: unknown): value is undefined | null {
  return value === undefined || value === null;
}

export function hasOnlyXmlChars(text: string): boolean {
  return findNonXmlChar(text) === undefined;
}

/** Text for the serialiser: characters XML forbids never reach it (they would cost the stream). */
export function checkXmlText(text: string, path: string): string {
  const bad = findNonXmlChar(text);
  if (bad !== undefined) {
    const code = bad.codePointAt(0) ?? 0;
    const hex = code.toString(16).toUpperCase().padStart(4, "0");
    throw invalid(path, `text without characters XML 1.0 forbids (found U+${hex})`);
  }
  return text;
}

/**
 * An empty query as input: `true` (this bridge's older form) or `{}` (what mod_rest reads an
 * empty query as, and so what this bridge now writes too).
 */
export function isEmptyQuery(value: unknown): boolean {
  return value === true || (isRecord(value) && Object.keys(value).length === 0);
}

export function record(value: unknown, path: string): Record<string, unknown> {
  if (!isRecord(value)) throw invalid(path, "an object", value);
  return value;
}

export function string(value: unknown, path: string): string {
  if (typeof value !== "string") throw invalid(path, "a string", value);
  return checkXmlText(value, path);
}

export function optString(value: unknown, path: string): string | undefined {
  return isAbsent(value) ? undefined : string(value, path);
}

export function boolean(value: unknown, path: string): boolean {
  if (typeof value !== "boolean") throw invalid(path, "true or false", value);
  return value;
}

export function optBoolean(value: unknown, path: string): boolean | undefined {
  return isAbsent(value) ? undefined : boolean(value, path);
}

export function integer(value: unknown, path: string, min = -(2 ** 53) + 1, max = 2 ** 53 - 1) {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const range = min > -(2 ** 52) ? ` from ${min}${max < 2 ** 52 ? ` to ${max}` : ""}` : "";
    throw invalid(path, `an integer${range}`, value);
  }
  return value;
}

export function optInteger(value: unknown, path: string, min?: number, max?: number) {
  return isAbsent(value) ? undefined : integer(value, path, min, max);
}

export function array(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw invalid(path, "an array", value);
  return value;
}

export function oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw invalid(path, `one of ${allowed.join(", ")}`, value);
  }
  return value as T;
}

export function optOneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]) {
  return isAbsent(value) ? undefined : oneOf(value, path, allowed);
}

// An NCName, ASCII-only on purpose: it becomes an element name (register fields, error
// conditions, chat states) and anything looser risks a malformed stanza.
const XML_NAME = /^[A-Za-z_][A-Za-z0-9._-]*$/;

export function xmlName(value: unknown, path: string): string {
  if (typeof value !== "string" || !XML_NAME.test(value)) {
    throw invalid(path, "an XML element name", value);
  }
  return value;
}

/** `true` for an empty query, or the value the caller reads; `false` and absent mean no element. */
export function isTrue(value: unknown): value is true {
  return value === true;
}
