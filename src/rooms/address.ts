import { findNonXmlChar } from "../formats/xml.js";
import { unprocessable } from "../stanza/errors.js";
import { jidToString, parseJid } from "../stanza/jid.js";

/**
 * A room's address: a bare JID with a localpart (XEP-0045 §4.1: room@service).
 * Returns it normalised; throws a 422 naming `field` otherwise.
 */
export function roomAddress(raw: string, field = "room"): string {
  const jid = parseJid(raw);
  if (!jid) throw unprocessable(`"${field}" must be a room's bare JID (RFC 7622)`, "jid-malformed");
  if (jid.resource !== "") {
    throw unprocessable(
      `"${field}" must be a bare JID (room@service), without "/${jid.resource}"`,
      "jid-malformed",
    );
  }
  if (jid.local === "") {
    throw unprocessable(`"${field}" must be room@service, not a service alone`, "jid-malformed");
  }
  return jidToString(jid);
}

/**
 * A nick is the resourcepart of the occupant JID room@service/nick (XEP-0045 §7.2.1,
 * RFC 7622 §3.4): not empty, no characters a resourcepart forbids, at most 1023 bytes.
 * Returns it NFC-normalised, as a server compares it; throws a 422 naming "nick".
 */
export function nickName(raw: string): string {
  if (raw.trim() === "") throw unprocessable(`"nick" may not be empty`, "jid-malformed");
  const jid = parseJid(`room@example.org/${raw}`);
  if (!jid || jid.resource === "") {
    throw unprocessable(
      `"nick" is not a valid resourcepart (RFC 7622 §3.4): no control or unassigned characters, at most 1023 bytes`,
      "jid-malformed",
    );
  }
  return jid.resource;
}

/** Text that goes into a stanza: 422 naming `field` when it holds a character XML 1.0 forbids. */
export function xmlText(text: string, field: string): string {
  const bad = findNonXmlChar(text);
  if (bad !== undefined) {
    const code = (bad.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0");
    throw unprocessable(`"${field}" holds U+${code}, which XML 1.0 forbids`, "bad-request");
  }
  return text;
}

/**
 * The JID an affiliation belongs to (XEP-0045 §5.2: a bare JID; a ban may cover a whole
 * domain, §9.1): normalised, without a resource; 422 naming `field` otherwise.
 */
export function affiliationJid(raw: string, field: string): string {
  const jid = parseJid(raw);
  if (!jid) throw unprocessable(`"${field}" is not a JID (RFC 7622): '${raw}'`, "jid-malformed");
  if (jid.resource !== "") {
    throw unprocessable(
      `"${field}" must be a bare JID (affiliations belong to user@domain, XEP-0045 §5.2), without "/${jid.resource}"`,
      "jid-malformed",
    );
  }
  return jidToString(jid);
}
