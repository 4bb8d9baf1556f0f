/**
 * The message elements behind the simple calls of README, "Messages, files and commands":
 * each builder adds to (or makes) a message in XMPP's own protocols, so that Conversations,
 * Gajim, Dino, Monal and Cheogram show it. Addressing (`to`, `from`, `type`) is the caller's;
 * these only write the protocol elements. Pure functions on elements.
 */
import xml, { type Element } from "@xmpp/xml";
import { NS } from "./ns.js";

/** Chat states a caller may send (XEP-0085 §5: gone is for ending a conversation, not typing). */
export const TYPING_STATES = ["composing", "paused", "active"] as const;
export type TypingState = (typeof TYPING_STATES)[number];

/** XEP-0334 §4.4: keep it in archives though it may have no body. */
const storeHint = () => xml("store", { xmlns: NS.hints });

/** XEP-0308 §4: a correction of message `id` (the original's own id), with the whole new text. */
export function correction(message: Element, id: string, body: string): Element {
  message.append(xml("body", {}, body));
  message.append(xml("replace", { xmlns: NS.correct, id }));
  return message;
}

/** The text a client without XEP-0424 shows for a retraction. */
export const RETRACTION_FALLBACK =
  "This person attempted to retract a previous message, but it's unsupported by your client.";

/**
 * XEP-0424 §4: a retraction of message `id`, in the current form (`urn:xmpp:message-retract:1`)
 * and in 0.3's (`<apply-to>` of XEP-0422 around `urn:xmpp:message-retract:0`), which clients
 * from before 2023 read; with the fallback body, marked as one (XEP-0428), and a store hint.
 */
export function retraction(message: Element, id: string): Element {
  message.append(xml("retract", { xmlns: NS.retract, id }));
  message.append(
    xml("apply-to", { xmlns: NS.fasten, id }, xml("retract", { xmlns: NS.retractLegacy })),
  );
  message.append(xml("fallback", { xmlns: NS.fallback, for: NS.retract }));
  message.append(xml("fallback", { xmlns: NS.fallback, for: NS.retractLegacy }));
  message.append(xml("body", {}, RETRACTION_FALLBACK));
  message.append(storeHint());
  return message;
}

/** XEP-0444 §3.2: the whole set of the sender's reactions to message `id` ([] takes them back). */
export function reactionSet(message: Element, id: string, reactions: readonly string[]): Element {
  message.append(
    xml(
      "reactions",
      { xmlns: NS.reactions, id },
      ...reactions.map((reaction) => xml("reaction", {}, reaction)),
    ),
  );
  message.append(storeHint());
  return message;
}

/** XEP-0085 §5: a standalone chat state. */
export function chatState(message: Element, state: TypingState): Element {
  message.append(xml(state, { xmlns: NS.chatStates }));
  // §5.1: a standalone notification is not worth keeping in archives.
  message.append(xml("no-store", { xmlns: NS.hints }));
  return message;
}

/** XEP-0333 §3: the sender has displayed message `id` (and everything before it). */
export function displayedMarker(message: Element, id: string): Element {
  message.append(xml("displayed", { xmlns: NS.markers, id }));
  message.append(storeHint());
  return message;
}

/** What a reply names: the message's id as the protocol wants it, its author, its text. */
export interface ReplyTarget {
  /** XEP-0461 §3: one-to-one the message's own id, in a room the room's stanza-id. */
  readonly id: string;
  /** The full JID of the author (in a room: room@service/nick). */
  readonly to: string;
  /** Quoted in the fallback; "" quotes nothing. */
  readonly body: string;
}

/** Most characters of the replied-to text quoted in the fallback. */
const QUOTE_LIMIT = 200;

/**
 * XEP-0461 §3: marks the message as a reply, and puts the quoted text before its body for
 * clients without replies, the quote marked as a fallback (XEP-0428 §4, ranges in Unicode
 * code points as XEP-0426 counts them).
 */
export function reply(message: Element, target: ReplyTarget): Element {
  message.append(xml("reply", { xmlns: NS.reply, to: target.to, id: target.id }));
  const body = message.getChild("body");
  // A file's body is its URL alone, which clients render as the file: no quote before it.
  if (!body || target.body === "" || message.getChild("x", NS.xOob)) return message;
  const points = Array.from(target.body);
  const quoted =
    points.length > QUOTE_LIMIT ? `${points.slice(0, QUOTE_LIMIT).join("")}…` : target.body;
  const quote = `${quoted
    .split("\n")
    .map((line) => `> ${line}`)
    .join("\n")}\n`;
  body.children = [quote + body.getText()];
  message.append(
    xml(
      "fallback",
      { xmlns: NS.fallback, for: NS.reply },
      xml("body", { start: "0", end: String(Array.from(quote).length) }),
    ),
  );
  return message;
}

/**
 * XEP-0425: a moderator's request to the room to retract message `id` (the room's
 * stanza-id), in the form the room announces it supports: 0.3 (`urn:xmpp:message-moderate:1`)
 * or 0.2 (`urn:xmpp:message-moderate:0` in XEP-0422's `<apply-to>`).
 */
export function moderation(
  iq: Element,
  id: string,
  reason: string | undefined,
  version: "current" | "legacy",
): Element {
  // <reason> takes the namespace of the element it is in.
  const reasonEl = reason ? [xml("reason", {}, reason)] : [];
  if (version === "current") {
    iq.append(
      xml(
        "moderate",
        { xmlns: NS.moderate, id },
        xml("retract", { xmlns: NS.retract }),
        ...reasonEl,
      ),
    );
    return iq;
  }
  iq.append(
    xml(
      "apply-to",
      { xmlns: NS.fasten, id },
      xml(
        "moderate",
        { xmlns: NS.moderateLegacy },
        xml("retract", { xmlns: NS.retractLegacy }),
        ...reasonEl,
      ),
    ),
  );
  return iq;
}

/** XEP-0066 §3 as clients render a file inline: the URL as the body and in `jabber:x:oob`. */
export function fileMessage(message: Element, url: string, caption?: string): Element {
  message.append(xml("body", {}, url));
  message.append(
    xml(
      "x",
      { xmlns: NS.xOob },
      xml("url", {}, url),
      ...(caption ? [xml("desc", {}, caption)] : []),
    ),
  );
  return message;
}
