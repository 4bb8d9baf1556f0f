import { type StanzaError, unprocessable } from "../stanza/errors.js";
import { parseJid } from "../stanza/jid.js";

const MAX_LOCAL_BYTES = 1023;
// RFC 7622 §3.3.1: characters a localpart may never hold.
const FORBIDDEN = /["&'/:<>@\s\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Cn}]/u;

function invalidName(text: string): StanzaError {
  return unprocessable(text, "jid-malformed");
}

/**
 * A bot's name is the localpart of its address (RFC 7622 §3.3): returns it
 * normalised as the server compares it (case-folded, NFKC), or throws a 422
 * that names the problem.
 */
export function botName(raw: string): string {
  if (raw.length === 0) throw invalidName("a bot name may not be empty");
  const bad = FORBIDDEN.exec(raw.normalize("NFKC"));
  if (bad) {
    const shown = /[\s\p{C}]/u.test(bad[0])
      ? `U+${(bad[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`
      : `'${bad[0]}'`;
    throw invalidName(`a bot name may not contain ${shown} (RFC 7622 §3.3.1)`);
  }
  if (Buffer.byteLength(raw, "utf8") > MAX_LOCAL_BYTES) {
    throw invalidName(`a bot name may be at most ${MAX_LOCAL_BYTES} bytes (RFC 7622 §3.3.1)`);
  }
  const jid = parseJid(`${raw}@example.org`);
  if (jid === undefined || jid.local === "") {
    throw invalidName("not a valid JID localpart (RFC 7622 §3.3)");
  }
  return jid.local;
}
