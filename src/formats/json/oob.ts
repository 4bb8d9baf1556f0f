/**
 * XEP-0066 out-of-band data: `jabber:x:oob` in messages and presences, `jabber:iq:oob` in an iq.
 * `oob_url` is mod_rest's older, URL-only field for the message form.
 */
import type { Element } from "@xmpp/xml";
import { NS } from "../../stanza/ns.js";
import { isEmptyQuery, optString, record, string } from "./check.js";
import { child, childText, compact, el, textEl } from "./dom.js";
import { ALL_KINDS, type Context, field } from "./field.js";
import type { JsonEmpty, JsonOob, Kind } from "./types.js";

function oobElement(ctx: Context, stanza: Element): Element | undefined {
  return ctx.kind === "iq" ? child(stanza, "query", NS.iqOob) : child(stanza, "x", NS.xOob);
}

export const oobUrl = field({
  field: "oob_url",
  kinds: ["message", "presence"] as readonly Kind[],
  read: (stanza) => {
    const x = child(stanza, "x", NS.xOob);
    return x ? childText(x, "url") : undefined;
  },
  write: (value) => el("x", { xmlns: NS.xOob }, el("url", {}, string(value, "oob_url"))),
});

export const oob = field({
  field: "oob",
  kinds: ALL_KINDS,
  read(stanza, ctx): JsonOob | JsonEmpty | undefined {
    const found = oobElement(ctx, stanza);
    if (!found) return undefined;
    const url = childText(found, "url");
    if (url === undefined) return ctx.kind === "iq" ? {} : undefined;
    return compact({ url, desc: childText(found, "desc") });
  },
  write(value, ctx) {
    const [name, ns] = ctx.kind === "iq" ? ["query", NS.iqOob] : ["x", NS.xOob];
    if (ctx.kind === "iq" && isEmptyQuery(value)) return el(name, { xmlns: ns });
    // A bare string is the URL, as in mod_rest.
    const obj = typeof value === "string" ? { url: value } : record(value, "oob");
    const url = textEl("url", string(obj.url, "oob.url"));
    const desc = textEl("desc", optString(obj.desc, "oob.desc"));
    return el(name, { xmlns: ns }, ...[url, desc].filter((c) => c !== undefined));
  },
});
