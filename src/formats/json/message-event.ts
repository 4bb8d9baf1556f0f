/**
 * What a message means, typed, so a bot author needs no XEP to read it (README, "Messages,
 * files and commands"): the `event` beside the stanza in a bot's events and JSON webhook
 * calls. Derived from the stanza's own elements whenever the stanza is shown (the stored
 * stanza stays the truth), never part of mod_rest's mapping itself:
 *
 * - `message`: a message with a body or attachments (XEP-0066 OOB, XEP-0447), `replyTo` for
 *   a XEP-0461 reply (its XEP-0428 fallback quote cut from `body`);
 * - `edit`: a XEP-0308 correction of message `id`;
 * - `delete`: a XEP-0424 retraction of message `id`, or a XEP-0425 moderation (`by`, `reason`);
 * - `reactions`: the sender's XEP-0444 reactions to message `id` (the whole set);
 * - `read`: a XEP-0333 displayed marker up to message `id`;
 * - `typing`: a XEP-0085 chat state alone (`state`).
 *
 * Ids are the API's (stanza/message-ids.ts): one-to-one, the sender's own ids, which the
 * XEPs reference as they are; in a room, the bridge's room-event note names them (`id`,
 * `ref`), because a room message is known by the room's stanza-id but corrected by its
 * sender's id.
 */
import type { Element } from "@xmpp/xml";
import { senderIdOf } from "../../stanza/message-ids.js";
import { NS } from "../../stanza/ns.js";
import { readFormData } from "./dataform.js";
import { attr, child, children, childText, compact, intAttr } from "./dom.js";
import type {
  JsonAttachment,
  JsonCommandEvent,
  JsonMessageEvent,
  JsonStanzaEvent,
} from "./types.js";

const CHAT_STATE_NAMES = new Set(["active", "inactive", "gone", "composing", "paused"]);

/** XEP-0424 0.4 `<retract id>`, or 0.3's `<apply-to id><retract/></apply-to>` (XEP-0422). */
function retraction(stanza: Element): { id: string; by?: string; reason?: string } | undefined {
  const retract = child(stanza, "retract", NS.retract);
  const id = retract && attr(retract, "id");
  if (retract && id !== undefined) {
    // XEP-0425 0.3: the room's announcement carries <moderated> inside the retraction.
    const moderated = child(retract, "moderated", NS.moderate);
    return compact({
      id,
      by: moderated && attr(moderated, "by"),
      reason: childText(retract, "reason", NS.retract),
    });
  }
  const applyTo = child(stanza, "apply-to", NS.fasten);
  const target = applyTo && attr(applyTo, "id");
  if (!applyTo || target === undefined) return undefined;
  if (child(applyTo, "retract", NS.retractLegacy)) return { id: target };
  // XEP-0425 0.2: <apply-to><moderated by><retract/><reason/></moderated></apply-to>.
  const moderated = child(applyTo, "moderated", NS.moderateLegacy);
  if (moderated && child(moderated, "retract", NS.retractLegacy)) {
    return compact({
      id: target,
      by: attr(moderated, "by"),
      reason: childText(moderated, "reason", NS.moderateLegacy),
    });
  }
  return undefined;
}

/** XEP-0066 OOB and XEP-0447 file sharing, as `{url, name, size, mediaType}`. */
export function attachmentsOf(stanza: Element): JsonAttachment[] {
  const found: JsonAttachment[] = [];
  for (const x of children(stanza, "x", NS.xOob)) {
    const url = childText(x, "url", NS.xOob);
    if (url) found.push(compact({ url, name: nameFromUrl(url) }));
  }
  for (const sharing of children(stanza, "file-sharing", NS.sfs)) {
    const file = child(sharing, "file", NS.fileMetadata);
    const sources = child(sharing, "sources", NS.sfs);
    const urls = sources ? children(sources, "url-data", NS.urlData) : [];
    const url = urls.map((u) => attr(u, "target")).find((t) => t !== undefined);
    if (url === undefined) continue;
    const size = file ? childText(file, "size", NS.fileMetadata) : undefined;
    const known = found.find((a) => a.url === url);
    const attachment = known ?? { url };
    Object.assign(
      attachment,
      compact({
        name: (file && childText(file, "name", NS.fileMetadata)) ?? attachment.name,
        size: size !== undefined && /^\d+$/.test(size) ? Number(size) : undefined,
        mediaType: file && childText(file, "media-type", NS.fileMetadata),
      }),
    );
    if (!known) found.push(attachment);
  }
  return found;
}

/** The file name a URL ends with (an upload service's GET URL names the file last). */
function nameFromUrl(url: string): string | undefined {
  try {
    const last = new URL(url).pathname.split("/").pop();
    return last ? decodeURIComponent(last) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The body without the quote a XEP-0461 reply carries for clients that do not know replies
 * (XEP-0428 fallback ranges count Unicode code points, XEP-0426).
 */
function bodyWithoutReplyFallback(stanza: Element, body: string): string {
  const fallback = children(stanza, "fallback", NS.fallback).find(
    (f) => attr(f, "for") === NS.reply,
  );
  const range = fallback && child(fallback, "body", NS.fallback);
  const start = range && intAttr(range, "start");
  const end = range && intAttr(range, "end");
  if (start === undefined || end === undefined || start < 0 || end < start) return body;
  const points = Array.from(body);
  if (end > points.length) return body;
  return [...points.slice(0, start), ...points.slice(end)].join("");
}

/** The ids the bridge's room-event note gives a groupchat message (rooms/inbound.ts). */
function roomIds(stanza: Element): { id?: string | undefined; ref?: string | undefined } {
  const note = child(stanza, "room-event", NS.roomEvent);
  return note ? { id: attr(note, "id"), ref: attr(note, "ref") } : {};
}

/** The typed event of a message; undefined for an error or a message that says none of these. */
export function messageEvent(stanza: Element): JsonMessageEvent | undefined {
  if (stanza.name !== "message" || stanza.attrs.type === "error") return undefined;
  const from = stanza.attrs.from ?? "";
  const inRoom = stanza.attrs.type === "groupchat";
  const noted = inRoom ? roomIds(stanza) : {};
  const ref = (raw: string) => noted.ref ?? raw;

  const retracted = retraction(stanza);
  if (retracted)
    return compact({ type: "delete" as const, ...retracted, id: ref(retracted.id), from });
  const body = childText(stanza, "body", "");
  const replace = child(stanza, "replace", NS.correct);
  const replaced = replace && attr(replace, "id");
  if (replaced !== undefined && body !== undefined) {
    return { type: "edit", id: ref(replaced), from, body };
  }
  const reactions = child(stanza, "reactions", NS.reactions);
  const reactedTo = reactions && attr(reactions, "id");
  if (reactions && reactedTo !== undefined) {
    const list = children(reactions, "reaction", NS.reactions).map((r) => r.getText());
    return { type: "reactions", id: ref(reactedTo), from, reactions: list };
  }
  const attachments = attachmentsOf(stanza);
  if (body !== undefined || attachments.length > 0) {
    const reply = child(stanza, "reply", NS.reply);
    const replyTo = reply && attr(reply, "id");
    return compact({
      type: "message" as const,
      id: noted.id ?? senderIdOf(stanza),
      from,
      body: body === undefined ? undefined : bodyWithoutReplyFallback(stanza, body),
      // In a room the note names the replied-to message as the API knows it.
      replyTo: replyTo === undefined ? undefined : inRoom ? (noted.ref ?? replyTo) : replyTo,
      attachments: attachments.length > 0 ? attachments : undefined,
    });
  }
  const displayed = child(stanza, "displayed", NS.markers);
  const read = displayed && attr(displayed, "id");
  if (read !== undefined) return { type: "read", id: ref(read), from };
  const state = stanza
    .getChildElements()
    .find((c) => c.getNS() === NS.chatStates && CHAT_STATE_NAMES.has(c.getName()));
  if (state) return { type: "typing", from, state: state.getName() };
  return undefined;
}

/**
 * A user's step in a XEP-0050 command (§4): an iq set with `<command>` carrying the session
 * id the bridge gave the run (commands/), with the submitted form's values.
 */
export function commandEvent(stanza: Element): JsonCommandEvent | undefined {
  if (stanza.name !== "iq" || stanza.attrs.type !== "set") return undefined;
  const command = child(stanza, "command", NS.commands);
  const node = command && attr(command, "node");
  const sessionId = command && attr(command, "sessionid");
  if (!command || node === undefined || sessionId === undefined) return undefined;
  const form = child(command, "x", NS.data);
  return compact({
    type: "command" as const,
    sessionId,
    node,
    action: attr(command, "action") ?? "execute",
    from: stanza.attrs.from ?? "",
    values: form && attr(form, "type") === "submit" ? readFormData(form) : undefined,
  });
}

/** The typed event of any inbound stanza an owner gets: a message's, or a command step's. */
export function stanzaEvent(stanza: Element): JsonStanzaEvent | undefined {
  return stanza.name === "message" ? messageEvent(stanza) : commandEvent(stanza);
}
