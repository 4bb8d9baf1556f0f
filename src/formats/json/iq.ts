/**
 * Simple iq payloads (XEP-0199, 0092, 0012, 0100, 0077, 0039). An empty query (a get) reads
 * as `{}`, as in mod_rest; on input `true` means the same, as the path form
 * GET /rest/{query}/{to} uses.
 */
import type { Element } from "@xmpp/xml";
import { NS } from "../../stanza/ns.js";
import {
  array,
  isAbsent,
  isEmptyQuery,
  optInteger,
  optString,
  record,
  string,
  xmlName,
} from "./check.js";
import {
  attr,
  child,
  children,
  childText,
  compact,
  el,
  intAttr,
  nsOf,
  setOwn,
  textEl,
} from "./dom.js";
import { field } from "./field.js";
import { flagField } from "./simple.js";
import type {
  JsonGateway,
  JsonLastActivity,
  JsonRegister,
  JsonStat,
  JsonVersion,
  Kind,
} from "./types.js";

const IQ: readonly Kind[] = ["iq"];

function query(ns: string, ...content: (Element | undefined)[]): Element {
  return el("query", { xmlns: ns }, ...content.filter((c) => c !== undefined));
}

/** The query in `ns`; an empty one reads as `{}` whatever its usual shape (mod_rest's form). */
function readQuery<T>(
  stanza: Element,
  ns: string,
  read: (q: Element) => T,
): T | Record<string, never> | undefined {
  const q = child(stanza, "query", ns);
  if (!q) return undefined;
  return q.getChildElements().length === 0 && q.getText().trim() === "" ? {} : read(q);
}

export const ping = flagField("ping", IQ, "ping", NS.ping);

export const version = field({
  field: "version",
  kinds: IQ,
  read: (stanza) =>
    readQuery(
      stanza,
      NS.version,
      (q): JsonVersion =>
        compact({
          name: childText(q, "name"),
          version: childText(q, "version"),
          os: childText(q, "os"),
        }),
    ),
  write(value) {
    if (isEmptyQuery(value)) return query(NS.version);
    const v = record(value, "version");
    return query(
      NS.version,
      textEl("name", optString(v.name, "version.name")),
      textEl("version", optString(v.version, "version.version")),
      textEl("os", optString(v.os, "version.os")),
    );
  },
});

export const lastactivity = field({
  field: "lastactivity",
  kinds: IQ,
  read(stanza): JsonLastActivity | undefined {
    const q = child(stanza, "query", NS.last);
    if (!q) return undefined;
    const status = q.getText();
    // An empty query (a request) is `{}`, as in mod_rest.
    return compact({ seconds: intAttr(q, "seconds"), status: status === "" ? undefined : status });
  },
  write(value) {
    if (isEmptyQuery(value)) return query(NS.last);
    // A bare number is the seconds, as in mod_rest.
    const obj = typeof value === "number" ? { seconds: value } : record(value, "lastactivity");
    const seconds = optInteger(obj.seconds, "lastactivity.seconds", 0);
    const status = optString(obj.status, "lastactivity.status");
    return el("query", { xmlns: NS.last, seconds }, ...(status ? [status] : []));
  },
});

export const gateway = field({
  field: "gateway",
  kinds: IQ,
  read: (stanza) =>
    readQuery(
      stanza,
      NS.gateway,
      (q): JsonGateway =>
        compact({
          desc: childText(q, "desc"),
          prompt: childText(q, "prompt"),
          jid: childText(q, "jid"),
        }),
    ),
  write(value) {
    if (isEmptyQuery(value)) return query(NS.gateway);
    // A bare string is the prompt (the legacy address to translate), as in mod_rest.
    const g = typeof value === "string" ? { prompt: value } : record(value, "gateway");
    return query(
      NS.gateway,
      textEl("desc", optString(g.desc, "gateway.desc")),
      textEl("prompt", optString(g.prompt, "gateway.prompt")),
      textEl("jid", optString(g.jid, "gateway.jid")),
    );
  },
});

export const register = field({
  field: "register",
  kinds: IQ,
  read: (stanza) =>
    readQuery(stanza, NS.register, (q) => {
      // Only the plain fields; a data form or other extension inside is not mapped.
      const out: JsonRegister = {};
      for (const c of q.getChildElements()) {
        if (nsOf(c) !== NS.register) continue;
        const text = c.getText();
        setOwn(out, c.getName(), c.getChildElements().length === 0 && text === "" ? true : text);
      }
      return out;
    }),
  write(value) {
    if (isEmptyQuery(value)) return query(NS.register);
    const obj = record(value, "register");
    const q = query(NS.register);
    for (const [name, v] of Object.entries(obj)) {
      if (isAbsent(v) || v === false) continue;
      const tag = xmlName(name, `register key ${JSON.stringify(name)}`);
      q.append(
        v === true ? el(tag) : el(tag, {}, ...(v === "" ? [] : [string(v, `register.${name}`)])),
      );
    }
    return q;
  },
});

/** A number when it reads as one (mod_rest's schema types the value as a number). */
function statValue(raw: string | undefined): number | string | undefined {
  if (raw === undefined || raw.trim() === "") return raw;
  const n = Number(raw);
  return Number.isFinite(n) ? n : raw;
}

export const stats = field({
  field: "stats",
  kinds: IQ,
  read: (stanza) =>
    readQuery(stanza, NS.stats, (q) =>
      children(q, "stat", NS.stats).flatMap((s): JsonStat[] => {
        const name = attr(s, "name");
        return name === undefined
          ? []
          : [compact({ name, unit: attr(s, "unit"), value: statValue(attr(s, "value")) })];
      }),
    ),
  write(value) {
    if (isEmptyQuery(value)) return query(NS.stats);
    const list = array(value, "stats").map((raw, i) => {
      const s = record(raw, `stats[${i}]`);
      return el("stat", {
        name: string(s.name, `stats[${i}].name`),
        unit: optString(s.unit, `stats[${i}].unit`),
        value:
          typeof s.value === "number" && Number.isFinite(s.value)
            ? String(s.value)
            : optString(s.value, `stats[${i}].value`),
      });
    });
    return query(NS.stats, ...list);
  },
});
