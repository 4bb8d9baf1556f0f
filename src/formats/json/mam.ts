/** XEP-0297 forwarding and XEP-0313 message archive management (query, results, fin). */
import type { Element } from "@xmpp/xml";
import { NS } from "../../stanza/ns.js";
import { isAbsent, isEmptyQuery, optBoolean, optString, record, string } from "./check.js";
import { readDelay, readRsm, writeDelay, writeRsm } from "./common.js";
import { readFormData, writeFormData } from "./dataform.js";
import { attr, child, compact, el, toBool } from "./dom.js";
import { type Context, field } from "./field.js";
import type {
  JsonArchiveFin,
  JsonArchiveQuery,
  JsonArchiveResult,
  JsonForwarded,
  Kind,
} from "./types.js";

function readForwarded(fwd: Element, ctx: Context): JsonForwarded {
  const message = child(fwd, "message", "");
  return compact({ delay: readDelay(fwd), message: message && ctx.stanzaToJson(message) });
}

function writeForwarded(value: unknown, path: string, ctx: Context): Element {
  const obj = record(value, path);
  const fwd = el("forwarded", { xmlns: NS.forward });
  const delay = writeDelay(obj.delay, `${path}.delay`);
  if (delay) fwd.append(delay);
  if (!isAbsent(obj.message)) {
    const message = ctx.jsonToStanza(obj.message, `${path}.message`);
    // Inside another namespace the forwarded stanza has to say it is a client stanza.
    message.attrs.xmlns = NS.client;
    fwd.append(message);
  }
  return fwd;
}

export const forwarded = field({
  field: "forwarded",
  kinds: ["message"] as readonly Kind[],
  read(stanza, ctx) {
    const fwd = child(stanza, "forwarded", NS.forward);
    return fwd ? readForwarded(fwd, ctx) : undefined;
  },
  write: (value, ctx) => writeForwarded(value, "forwarded", ctx),
});

function readArchiveResult(r: Element, ctx: Context): JsonArchiveResult | undefined {
  const id = attr(r, "id");
  if (id === undefined) return undefined;
  const fwd = child(r, "forwarded", NS.forward);
  return compact({ queryid: attr(r, "queryid"), id, forward: fwd && readForwarded(fwd, ctx) });
}

function readArchiveQuery(q: Element): JsonArchiveQuery {
  const form = child(q, "x", NS.data);
  const set = child(q, "set", NS.rsm);
  const query = compact<JsonArchiveQuery>({
    queryid: attr(q, "queryid"),
    node: attr(q, "node"),
    form: form && readFormData(form),
    page: readRsm(set),
  });
  return query;
}

const FILTERS = ["with", "start", "end", "before-id", "after-id", "ids"] as const;
const PAGING = ["after", "before", "max"] as const;

/**
 * mod_rest's shorthand: filters (with, start, end, before-id, after-id, ids as a list or a
 * comma-separated string) and paging (after, before, max) right in `archive`, instead of in
 * `form` and `page`.
 */
function expandShorthand(obj: Record<string, unknown>): Record<string, unknown> {
  const out = { ...obj };
  if (isAbsent(obj.form) && FILTERS.some((k) => !isAbsent(obj[k]))) {
    const form: Record<string, unknown> = {};
    for (const key of FILTERS) {
      const v = obj[key];
      if (isAbsent(v)) continue;
      form[key] = key === "ids" && typeof v === "string" ? v.split(",").filter(Boolean) : v;
      delete out[key];
    }
    out.form = form;
  }
  if (isAbsent(obj.page) && PAGING.some((k) => !isAbsent(obj[k]))) {
    const page: Record<string, unknown> = {};
    for (const key of PAGING) {
      const v = obj[key];
      if (isAbsent(v)) continue;
      page[key] = key === "max" && typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v;
      delete out[key];
    }
    out.page = page;
  }
  return out;
}

function writeArchiveQuery(value: unknown): Element {
  if (isEmptyQuery(value)) return el("query", { xmlns: NS.mam });
  const obj = expandShorthand(record(value, "archive"));
  const q = el("query", {
    xmlns: NS.mam,
    queryid: optString(obj.queryid, "archive.queryid"),
    node: optString(obj.node, "archive.node"),
  });
  // XEP-0313 §4.1: the filter form says which MAM version it is for.
  if (!isAbsent(obj.form)) q.append(writeFormData(obj.form, "archive.form", "submit", NS.mam));
  if (!isAbsent(obj.page)) q.append(writeRsm(obj.page, "archive.page"));
  return q;
}

function writeArchiveResult(value: unknown, ctx: Context): Element {
  const obj = record(value, "archive");
  const r = el("result", {
    xmlns: NS.mam,
    queryid: optString(obj.queryid, "archive.queryid"),
    id: string(obj.id, "archive.id"),
  });
  if (!isAbsent(obj.forward)) r.append(writeForwarded(obj.forward, "archive.forward", ctx));
  return r;
}

/** A result in a message, a query in an iq: the same name in mod_rest. */
export const archive = field({
  field: "archive",
  kinds: ["message", "iq"] as readonly Kind[],
  read(stanza, ctx) {
    if (ctx.kind === "iq") {
      const q = child(stanza, "query", NS.mam);
      return q ? readArchiveQuery(q) : undefined;
    }
    const r = child(stanza, "result", NS.mam);
    return r ? readArchiveResult(r, ctx) : undefined;
  },
  write: (value, ctx) =>
    ctx.kind === "iq" ? writeArchiveQuery(value) : writeArchiveResult(value, ctx),
});

export const result = field({
  field: "result",
  kinds: ["iq"] as readonly Kind[],
  read(stanza): JsonArchiveFin | undefined {
    const fin = child(stanza, "fin", NS.mam);
    if (!fin) return undefined;
    return compact({
      complete: toBool(attr(fin, "complete")),
      stable: toBool(attr(fin, "stable")),
      page: readRsm(child(fin, "set", NS.rsm)),
    });
  },
  write(value) {
    const obj = record(value, "result");
    const fin = el("fin", {
      xmlns: NS.mam,
      complete: optBoolean(obj.complete, "result.complete"),
      stable: optBoolean(obj.stable, "result.stable"),
    });
    if (!isAbsent(obj.page)) fin.append(writeRsm(obj.page, "result.page"));
    return fin;
  },
});
