import { randomUUID } from "node:crypto";
import type { Element } from "@xmpp/xml";
import { forbidden, unprocessable } from "./errors.js";
import type { FromRule } from "./from-rule.js";
import { type JidParser, jidToString, parseJid } from "./jid.js";
import { STANZA_KINDS } from "./kinds.js";
import { NS } from "./ns.js";

// mod_rest keeps only these attributes on the root; the rest are dropped.
const KEPT_ATTRIBUTES = ["to", "from", "id", "type", "xml:lang"] as const;

export interface OutgoingRules {
  /** Which `from` the connection may send, and its default. */
  readonly fromRule: FromRule;
  /** How JIDs are parsed (e.g. createJidParser's cache); parseJid by default. */
  readonly parseJid?: JidParser;
  /** `from` when the caller gave none (a bot's token: the bot's address); the rule's default otherwise. */
  readonly defaultFrom?: string;
  /**
   * Let iqs of type result and error through: a pulling bot answering an iq it
   * received. The caller must check the answer against what was received.
   */
  readonly iqAnswers?: boolean;
}

/**
 * Checks and normalises a stanza a caller wants sent, in place. Everything the
 * server would answer with a stream error (a foreign `from`) is refused here,
 * so no HTTP request can get the component disconnected.
 */
export function prepareOutgoing(stanza: Element, namespace: string, rules: OutgoingRules): Element {
  if (namespace !== "" && namespace !== NS.client) {
    throw unprocessable(`namespace must be empty or ${NS.client}`, "invalid-namespace");
  }
  if (!STANZA_KINDS.has(stanza.name)) {
    throw unprocessable(
      `<${stanza.name}> is not a stanza (message, presence or iq)`,
      "unsupported-stanza-type",
    );
  }

  const attrs: Record<string, string> = {};
  for (const name of KEPT_ATTRIBUTES) {
    const value = stanza.attrs[name];
    if (value !== undefined) attrs[name] = value;
  }

  if (attrs.to === undefined)
    throw unprocessable("a 'to' address is required", "improper-addressing");
  const parse = rules.parseJid ?? parseJid;
  const to = parse(attrs.to);
  if (to === undefined)
    throw unprocessable(`'${attrs.to}' is not a valid JID`, "improper-addressing");
  attrs.to = jidToString(to);

  attrs.from = checkFrom(attrs.from || rules.defaultFrom, rules.fromRule, parse);
  attrs.id ||= randomUUID();

  const answer = attrs.type === "result" || attrs.type === "error";
  if (stanza.name === "iq" && !(answer && rules.iqAnswers)) {
    if (attrs.type !== "get" && attrs.type !== "set") {
      throw unprocessable("an iq must have type 'get' or 'set'", "invalid-xml");
    }
    if (stanza.getChildElements().length !== 1) {
      throw unprocessable("an iq must have exactly one child element", "bad-format");
    }
  }

  stanza.attrs = attrs;
  return stanza;
}

/** RFC 6120 §8.1.2.1 / XEP-0114: only a `from` the connection may use (a component: its domain). */
function checkFrom(from: string | undefined, rule: FromRule, parse: JidParser): string {
  if (from === undefined || from === "") return rule.defaultFrom;
  const jid = parse(from);
  if (jid === undefined) throw unprocessable(`'${from}' is not a valid JID`, "invalid-from");
  const normalised = jidToString(jid);
  if (!rule.allows(normalised)) throw forbidden(`'from' must be ${rule.describe}`);
  return normalised;
}
