/**
 * The element and attribute names the bridge lets through: the part of XML 1.0's Name
 * production every server parser agrees on.
 *
 * Prosody and ejabberd parse with Expat, which applies the character classes of XML 1.0
 * 4th edition (Appendix B, Unicode 2.0 letters and digits), not the 5th edition's broad
 * ranges that saxes follows. A name saxes accepts, such as one holding U+FFFD (what invalid
 * UTF-8 decodes to) or U+FEFF, makes Expat fail and the server close the whole component
 * stream. Rather than carry Appendix B's tables, names are kept to ASCII letters, digits,
 * `_`, `-`, `.` and the Latin-1 letters (and U+00B7 after the first character), which both
 * editions accept; XMPP's own names are all ASCII. Namespaces in XML 1.0 §3: an NCName has no
 * colon, a QName is one NCName or two joined by one colon.
 */
const NCNAME =
  /^[A-Za-z_\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u00FF][\w.\-\u00B7\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u00FF]*$/;

/** A name without a prefix (XML Namespaces §3 NCName), within the accepted characters. */
export function isNcName(name: string): boolean {
  return NCNAME.test(name);
}

/** `prefix:local` or `local`; undefined if it is not a QName within the accepted characters. */
export function splitQName(
  name: string,
): { prefix: string | undefined; local: string } | undefined {
  const colon = name.indexOf(":");
  if (colon === -1) return NCNAME.test(name) ? { prefix: undefined, local: name } : undefined;
  const prefix = name.slice(0, colon);
  const local = name.slice(colon + 1);
  if (!NCNAME.test(prefix) || !NCNAME.test(local)) return undefined;
  return { prefix, local };
}

/** How a refused name is shown in an error text: printable, with code points for the rest. */
export function describeName(name: string): string {
  const shown = name.length > 40 ? `${name.slice(0, 40)}…` : name;
  return JSON.stringify(shown).replace(
    /[^\x20-\x7e]/gu,
    (ch) => `\\u{${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase()}}`,
  );
}
