/**
 * The bridge's note on an account's stanzas (README, "Accounts"): `carbon` (a copy of what
 * the account's other clients sent or received, XEP-0280), `catchup` (recovered from the
 * archive after a gap) and `account_event` (the session's state changed). Only the bridge
 * writes the note, on the way in; a client cannot send one.
 */
import type { Element } from "@xmpp/xml";
import { NS } from "../../stanza/ns.js";
import { invalid } from "./check.js";
import { child } from "./dom.js";
import { ALL_KINDS, field } from "./field.js";
import type { JsonAccountEvent } from "./types.js";

const note = (stanza: Element) => child(stanza, "account", NS.accountNote);

export const carbon = field({
  field: "carbon",
  kinds: ["message"],
  read(stanza) {
    const value = note(stanza)?.attrs.carbon;
    return value === "sent" || value === "received" ? value : undefined;
  },
  write(value) {
    throw invalid("carbon", "nothing: the bridge marks the carbons an account receives", value);
  },
});

export const catchup = field({
  field: "catchup",
  kinds: ALL_KINDS,
  read: (stanza) => (note(stanza)?.attrs.catchup === "true" ? true : undefined),
  write(value) {
    throw invalid("catchup", "nothing: the bridge marks what it recovers from an archive", value);
  },
});

export const accountEvent = field({
  field: "account_event",
  kinds: ["message"],
  read(stanza): JsonAccountEvent | undefined {
    const state = note(stanza)?.attrs.state;
    if (state === undefined) return undefined;
    const reason = note(stanza)?.attrs.reason;
    return reason === undefined ? { state } : { state, reason };
  },
  write(value) {
    throw invalid("account_event", "nothing: the bridge writes it", value);
  },
});
