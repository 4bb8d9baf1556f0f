/** Message fields (mod_rest's mapping); forwarded and MAM results are in mam.ts. */
import xml, { type Element } from "@xmpp/xml";
import { StanzaError } from "../../stanza/errors.js";
import { NS } from "../../stanza/ns.js";
import { parseXmlElement } from "../xml.js";
import {
  array,
  checkXmlText,
  invalid,
  isAbsent,
  isRecord,
  oneOf,
  optBoolean,
  optInteger,
  optString,
  record,
  string,
} from "./check.js";
import { attr, child, children, compact, el, intAttr, nsOf, toBool } from "./dom.js";
import { field } from "./field.js";
import { attrField, flagField, textField } from "./simple.js";
import type {
  JsonInvite,
  JsonReactions,
  JsonReference,
  JsonReply,
  JsonStanzaId,
  JsonThread,
  Kind,
} from "./types.js";

const MESSAGE: readonly Kind[] = ["message"];

export const CHAT_STATES = ["active", "inactive", "gone", "composing", "paused"] as const;

export const body = textField("body", MESSAGE, "body");
export const subject = textField("subject", MESSAGE, "subject");

export const thread = field({
  field: "thread",
  kinds: MESSAGE,
  read(stanza): JsonThread | undefined {
    const found = child(stanza, "thread", "");
    return found ? compact({ id: found.getText(), parent: attr(found, "parent") }) : undefined;
  },
  write(value) {
    // A bare string is accepted as the id: mod_rest maps thread as plain text.
    if (typeof value === "string") return el("thread", {}, checkXmlText(value, "thread"));
    if (!isRecord(value)) throw invalid("thread", "a string or an object {id, parent}", value);
    const obj = value;
    const parent = optString(obj.parent, "thread.parent");
    return el("thread", { parent }, string(obj.id, "thread.id"));
  },
});

/**
 * The markup inside an XHTML-IM wrapper, with XHTML as the default namespace (as mod_rest
 * reads it), so an unprefixed `<body>` is the XHTML body.
 */
function parseHtml(markup: string): Element {
  const { root } = parseXmlElement(
    `<html xmlns="${NS.xhtmlIm}"><body xmlns="${NS.xhtml}">${markup}</body></html>`,
  );
  root.attrs.xmlns = NS.xhtmlIm;
  const wrapper = root.getChildElements()[0];
  const [only, ...rest] = wrapper?.getChildElements() ?? [];
  const text = wrapper?.children.some((c) => typeof c === "string" && c.trim() !== "");
  // Already a body (mod_rest's own output form): that is the body, not something inside one.
  const isBody = only?.name === "body" && nsOf(only) === NS.xhtml;
  if (only && isBody && rest.length === 0 && !text) {
    only.parent = root;
    only.attrs.xmlns = NS.xhtml;
    root.children = [only];
  }
  return root;
}

export const html = field({
  field: "html",
  kinds: MESSAGE,
  read(stanza) {
    const found = child(stanza, "html", NS.xhtmlIm);
    const xhtml = found && child(found, "body", NS.xhtml);
    if (!xhtml) return undefined;
    // mod_rest's string form: the body element without its xmlns (XHTML is implied). The
    // children keep any namespace declarations of their own.
    const copy = new xml.Element(xhtml.name, { ...xhtml.attrs });
    delete copy.attrs.xmlns;
    copy.children = xhtml.children;
    return copy.toString();
  },
  write(value) {
    const markup = string(value, "html");
    try {
      return parseHtml(markup);
    } catch (err) {
      if (err instanceof StanzaError) throw invalid("html", "well-formed XHTML markup");
      throw err;
    }
  },
});

export const state = field({
  field: "state",
  kinds: MESSAGE,
  read: (stanza) =>
    stanza
      .getChildElements()
      .find((c) => nsOf(c) === NS.chatStates)
      ?.getName(),
  write: (value) => el(oneOf(value, "state", CHAT_STATES), { xmlns: NS.chatStates }),
});

export const replace = attrField("replace", MESSAGE, "replace", NS.correct, "id");

export const reactions = field({
  field: "reactions",
  kinds: MESSAGE,
  read(stanza): JsonReactions | undefined {
    const found = child(stanza, "reactions", NS.reactions);
    const id = found && attr(found, "id");
    if (id === undefined || !found) return undefined;
    return { id, reactions: children(found, "reaction", NS.reactions).map((r) => r.getText()) };
  },
  write(value) {
    const obj = record(value, "reactions");
    const list = isAbsent(obj.reactions) ? [] : array(obj.reactions, "reactions.reactions");
    return el(
      "reactions",
      { xmlns: NS.reactions, id: string(obj.id, "reactions.id") },
      ...list.map((r, i) => el("reaction", {}, string(r, `reactions.reactions[${i}]`))),
    );
  },
});

export const reply = field({
  field: "reply",
  kinds: MESSAGE,
  read(stanza): JsonReply | undefined {
    const found = child(stanza, "reply", NS.reply);
    const id = found && attr(found, "id");
    return found && id !== undefined ? compact({ id, to: attr(found, "to") }) : undefined;
  },
  write(value) {
    const obj = record(value, "reply");
    const to = optString(obj.to, "reply.to");
    return el("reply", { xmlns: NS.reply, to, id: string(obj.id, "reply.id") });
  },
});

export const fallback = flagField("fallback", MESSAGE, "fallback", NS.fallback);
export const attachTo = attrField("attach_to", MESSAGE, "attach-to", NS.attach, "id");
export const markable = flagField("markable", MESSAGE, "markable", NS.markers);
export const displayed = attrField("displayed", MESSAGE, "displayed", NS.markers, "id");
export const occupantId = attrField("occupant_id", MESSAGE, "occupant-id", NS.occupantId, "id");

export const stanzaIds = field({
  field: "stanza_ids",
  kinds: MESSAGE,
  read(stanza): JsonStanzaId[] | undefined {
    const list = children(stanza, "stanza-id", NS.sid).flatMap((s) => {
      const id = attr(s, "id");
      const by = attr(s, "by");
      return id !== undefined && by !== undefined ? [{ id, by }] : [];
    });
    return list.length > 0 ? list : undefined;
  },
  write(value) {
    return array(value, "stanza_ids").map((raw, i) => {
      const obj = record(raw, `stanza_ids[${i}]`);
      const id = string(obj.id, `stanza_ids[${i}].id`);
      return el("stanza-id", { xmlns: NS.sid, id, by: string(obj.by, `stanza_ids[${i}].by`) });
    });
  },
});

export const encryption = attrField("encryption", MESSAGE, "encryption", NS.eme, "namespace");

export const invite = field({
  field: "invite",
  kinds: MESSAGE,
  read(stanza): JsonInvite | undefined {
    const found = child(stanza, "x", NS.conference);
    const jid = found && attr(found, "jid");
    if (!found || jid === undefined) return undefined;
    return compact({
      jid,
      password: attr(found, "password"),
      reason: attr(found, "reason"),
      thread: attr(found, "thread"),
      continue: toBool(attr(found, "continue")),
    });
  },
  write(value) {
    const obj = record(value, "invite");
    return el("x", {
      xmlns: NS.conference,
      jid: string(obj.jid, "invite.jid"),
      password: optString(obj.password, "invite.password"),
      reason: optString(obj.reason, "invite.reason"),
      thread: optString(obj.thread, "invite.thread"),
      continue: optBoolean(obj.continue, "invite.continue"),
    });
  },
});

export const reference = field({
  field: "reference",
  kinds: MESSAGE,
  read(stanza): JsonReference | undefined {
    const found = child(stanza, "reference", NS.reference);
    const type = found && attr(found, "type");
    const uri = found && attr(found, "uri");
    if (!found || type === undefined || uri === undefined) return undefined;
    return compact({ type, uri, begin: intAttr(found, "begin"), end: intAttr(found, "end") });
  },
  write(value) {
    const obj = record(value, "reference");
    return el("reference", {
      xmlns: NS.reference,
      type: string(obj.type, "reference.type"),
      uri: string(obj.uri, "reference.uri"),
      begin: optInteger(obj.begin, "reference.begin", 0),
      end: optInteger(obj.end, "reference.end", 0),
    });
  },
});
