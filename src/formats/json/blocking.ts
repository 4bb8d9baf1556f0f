/**
 * XEP-0191 blocking command: the block list (request and result), block and unblock, with
 * XEP-0377 spam reports on a blocked item. mod_rest maps `block` and `blocklist`; `unblock` is
 * this bridge's addition, in the same shape.
 */
import type { Element } from "@xmpp/xml";
import { NS } from "../../stanza/ns.js";
import { array, invalid, isAbsent, isEmptyQuery, optString, record, string } from "./check.js";
import { attr, child, children, compact, el } from "./dom.js";
import { type FieldMapping, field } from "./field.js";
import type { JsonBlockItem, JsonStanzaId, Kind } from "./types.js";

const IQ: readonly Kind[] = ["iq"];

function readReport(item: Element): JsonBlockItem["report"] {
  const report = child(item, "report", NS.reporting);
  if (!report) return undefined;
  const ids = children(report, "stanza-id", NS.sid).flatMap((s): JsonStanzaId[] => {
    const id = attr(s, "id");
    const by = attr(s, "by");
    return id !== undefined && by !== undefined ? [{ id, by }] : [];
  });
  return compact({ reason: attr(report, "reason"), stanza_ids: ids.length > 0 ? ids : undefined });
}

function readItems(list: Element): JsonBlockItem[] {
  return children(list, "item", NS.blocking).flatMap((item): JsonBlockItem[] => {
    const jid = attr(item, "jid");
    return jid === undefined ? [] : [compact({ jid, report: readReport(item) })];
  });
}

function writeReport(value: unknown, path: string): Element {
  const r = record(value, path);
  const report = el("report", {
    xmlns: NS.reporting,
    reason: optString(r.reason, `${path}.reason`),
  });
  const ids = isAbsent(r.stanza_ids) ? [] : array(r.stanza_ids, `${path}.stanza_ids`);
  ids.forEach((raw, i) => {
    const p = `${path}.stanza_ids[${i}]`;
    const s = record(raw, p);
    report.append(
      el("stanza-id", { xmlns: NS.sid, id: string(s.id, `${p}.id`), by: string(s.by, `${p}.by`) }),
    );
  });
  return report;
}

/** `[{jid, report?}]` (or JID strings) <-> `<tag xmlns=urn:xmpp:blocking><item jid/>...`. */
function blockingList(
  name: "block" | "blocklist" | "unblock",
  withReports: boolean,
): FieldMapping<typeof name> {
  return field({
    field: name,
    kinds: IQ,
    read(stanza) {
      const list = child(stanza, name, NS.blocking);
      return list ? readItems(list) : undefined;
    },
    write(value) {
      const list = el(name, { xmlns: NS.blocking });
      // An empty list is a request (blocklist) or "everything" (unblock); `true` says the same.
      if (isEmptyQuery(value)) return list;
      array(value, name).forEach((raw, i) => {
        const p = `${name}[${i}]`;
        const item = typeof raw === "string" ? { jid: raw } : record(raw, p);
        const itemEl = el("item", { jid: string(item.jid, `${p}.jid`) });
        if (!isAbsent(item.report)) {
          if (!withReports) throw invalid(`${p}.report`, "nothing (reports go with block)");
          itemEl.append(writeReport(item.report, `${p}.report`));
        }
        list.append(itemEl);
      });
      return list;
    },
  });
}

export const blocklist = blockingList("blocklist", false);
export const block = blockingList("block", true);
export const unblock = blockingList("unblock", false);
