/**
 * SASLprep (RFC 4013), the stringprep profile SCRAM (RFC 5802 §5.1) and PLAIN (RFC 4616 §2)
 * apply to user names and passwords. Unassigned code points are let through (stored strings,
 * RFC 3454 §7); everything the profile prohibits is refused with the reason, so a password
 * no server could ever accept is a clear 422 rather than a login that fails for ever.
 */

// RFC 3454 B.1: mapped to nothing (joiners and variation selectors among them, one by one).
const MAPPED_TO_NOTHING =
  /\u00ad|\u034f|\u1806|\u180b|\u180c|\u180d|\u200b|\u200c|\u200d|\u2060|[\ufe00-\ufe0e]|\ufe0f|\ufeff/gu;
// RFC 3454 C.1.2: non-ASCII space, mapped to SPACE (RFC 4013 §2.1).
const NON_ASCII_SPACE = /[\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000]/gu;

/** RFC 4013 §2.3: the prohibited output, table by table, each with what a caller is told. */
const PROHIBITED: readonly (readonly [RegExp, string])[] = [
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters refused
  [/[\u0000-\u001f\u007f]/u, "an ASCII control character"], // C.2.1
  [
    // biome-ignore lint/suspicious/noMisleadingCharacterClass: single code points, each refused
    /[\u0080-\u009f\u06dd\u070f\u180e\u200c\u200d\u2028\u2029\u2060-\u2063\u206a-\u206f\ufeff\ufff9-\ufffc\u{1d173}-\u{1d17a}]/u,
    "a control character",
  ], // C.2.2
  [/[\ue000-\uf8ff\u{f0000}-\u{ffffd}\u{100000}-\u{10fffd}]/u, "a private-use character"], // C.3
  [/[\ufdd0-\ufdef\ufffe\uffff]|[\u{1fffe}-\u{1ffff}]|[\u{10fffe}-\u{10ffff}]/u, "a non-character"], // C.4
  [/[\ud800-\udfff]/u, "a lone surrogate"], // C.5
  [/[\ufff9-\ufffd]/u, "a character not fit for plain text"], // C.6
  [/[\u2ff0-\u2ffb]/u, "an ideographic description character"], // C.7
  [/[\u0340\u0341\u200e\u200f\u202a-\u202e\u206a-\u206f]/u, "a display-changing character"], // C.8
  [/[\u{e0001}\u{e0020}-\u{e007f}]/u, "a tagging character"], // C.9
];

const RAND_AL_CAT =
  /[\u05be\u05c0\u05c3\u05d0-\u05ea\u05f0-\u05f4\u061b\u061f\u0621-\u064a\u066d-\u06d5\u06e5\u06e6\u06fa-\u06fe\u0700-\u070d\u0710\u0712-\u072c\u0780-\u07a5\u07b1\u200f\ufb1d\ufb1f-\ufb28\ufb2a-\ufb4f\ufb50-\ufdfd\ufe70-\ufefc]/u;
const L_CAT = /\p{L}/u;

export type SaslPrepResult =
  | { readonly ok: true; readonly value: string }
  | {
      readonly ok: false;
      readonly problem: string;
    };

/** The prepared string, or what the profile refuses in it. */
export function saslPrep(input: string): SaslPrepResult {
  // A lone surrogate would be lost by normalize(); check it on the input.
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/u.test(input)) {
    return { ok: false, problem: "it holds a lone surrogate" };
  }
  const value = input
    .replace(NON_ASCII_SPACE, " ")
    .replace(MAPPED_TO_NOTHING, "")
    .normalize("NFKC");
  for (const [pattern, what] of PROHIBITED) {
    if (pattern.test(value)) return { ok: false, problem: `it holds ${what} (RFC 4013 §2.3)` };
  }
  // RFC 3454 §6: text with right-to-left characters must start and end with one and hold no
  // left-to-right letter.
  if (RAND_AL_CAT.test(value)) {
    const first = String.fromCodePoint(value.codePointAt(0) ?? 0);
    const last = [...value].at(-1) ?? "";
    const ltr = [...value].some((c) => L_CAT.test(c) && !RAND_AL_CAT.test(c));
    if (ltr || !RAND_AL_CAT.test(first) || !RAND_AL_CAT.test(last)) {
      return { ok: false, problem: "it mixes right-to-left and left-to-right text (RFC 3454 §6)" };
    }
  }
  if (value.length === 0) return { ok: false, problem: "it is empty once prepared" };
  return { ok: true, value };
}
