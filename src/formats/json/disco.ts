/** XEP-0030 service discovery (info and items) and XEP-0050 ad-hoc commands. */
import type { Element } from "@xmpp/xml";
import { NS } from "../../stanza/ns.js";
import {
  array,
  invalid,
  isAbsent,
  isRecord,
  isTrue,
  optBoolean,
  optOneOf,
  optString,
  record,
  string,
} from "./check.js";
import {
  readDataForm,
  readFormData,
  readFormType,
  writeDataForm,
  writeFormData,
} from "./dataform.js";
import { attr, child, children, compact, el, setOwn } from "./dom.js";
import { field } from "./field.js";
import type {
  JsonCommand,
  JsonCommandActions,
  JsonDiscoInfo,
  JsonFormData,
  JsonIdentity,
  JsonItem,
  Kind,
} from "./types.js";

const IQ: readonly Kind[] = ["iq"];

/** An empty query reads as its node, or `true`: that is a request, not a result. */
function emptyQuery(q: Element): string | true | undefined {
  return q.getChildElements().length === 0 ? (attr(q, "node") ?? true) : undefined;
}

/** `true` or a node string, the request forms shared by disco and items. */
function requestQuery(ns: string, value: unknown, path: string): Element | undefined {
  if (isTrue(value)) return el("query", { xmlns: ns });
  if (typeof value === "string") return el("query", { xmlns: ns, node: string(value, path) });
  return undefined;
}

export const disco = field({
  field: "disco",
  kinds: IQ,
  read(stanza): JsonDiscoInfo | string | true | undefined {
    const q = child(stanza, "query", NS.discoInfo);
    if (!q) return undefined;
    const request = emptyQuery(q);
    if (request !== undefined) return request;
    const identities = children(q, "identity", NS.discoInfo).flatMap((i): JsonIdentity[] => {
      const category = attr(i, "category");
      const type = attr(i, "type");
      if (category === undefined || type === undefined) return [];
      return [compact({ category, type, name: attr(i, "name") })];
    });
    const features = children(q, "feature", NS.discoInfo).flatMap((f) => attr(f, "var") ?? []);
    // XEP-0128: extended information forms, keyed by their FORM_TYPE.
    const extensions: Record<string, JsonFormData> = {};
    for (const x of children(q, "x", NS.data)) {
      const formType = readFormType(x);
      if (formType !== undefined) setOwn(extensions, formType, readFormData(x));
    }
    return compact<JsonDiscoInfo>({
      node: attr(q, "node"),
      identities,
      features,
      extensions: Object.keys(extensions).length > 0 ? extensions : undefined,
    });
  },
  write(value) {
    const request = requestQuery(NS.discoInfo, value, "disco");
    if (request) return request;
    if (!isRecord(value)) throw invalid("disco", "true, a node string or an object", value);
    const q = el("query", { xmlns: NS.discoInfo, node: optString(value.node, "disco.node") });
    const identities = isAbsent(value.identities)
      ? []
      : array(value.identities, "disco.identities");
    identities.forEach((raw, i) => {
      const p = `disco.identities[${i}]`;
      const id = record(raw, p);
      q.append(
        el("identity", {
          category: string(id.category, `${p}.category`),
          type: string(id.type, `${p}.type`),
          name: optString(id.name, `${p}.name`),
        }),
      );
    });
    const features = isAbsent(value.features) ? [] : array(value.features, "disco.features");
    features.forEach((f, i) => {
      q.append(el("feature", { var: string(f, `disco.features[${i}]`) }));
    });
    const extensions = isAbsent(value.extensions)
      ? {}
      : record(value.extensions, "disco.extensions");
    for (const [formType, data] of Object.entries(extensions)) {
      const path = `disco.extensions.${formType}`;
      q.append(writeFormData(data, path, "result", string(formType, "disco.extensions key")));
    }
    return q;
  },
});

export const items = field({
  field: "items",
  kinds: IQ,
  read(stanza): JsonItem[] | string | true | undefined {
    const q = child(stanza, "query", NS.discoItems);
    if (!q) return undefined;
    const request = emptyQuery(q);
    if (request !== undefined) return request;
    return children(q, "item", NS.discoItems).flatMap((item): JsonItem[] => {
      const jid = attr(item, "jid");
      return jid === undefined
        ? []
        : [compact({ jid, node: attr(item, "node"), name: attr(item, "name") })];
    });
  },
  write(value) {
    const request = requestQuery(NS.discoItems, value, "items");
    if (request) return request;
    // mod_rest also takes an object: {"node": "..."} asks for that node's items.
    if (isRecord(value)) {
      const other = Object.keys(value).find((k) => k !== "node");
      if (other !== undefined)
        throw invalid(`items.${other}`, "nothing (an items object holds only node)");
      return el("query", { xmlns: NS.discoItems, node: optString(value.node, "items.node") });
    }
    if (!Array.isArray(value)) {
      throw invalid("items", "true, a node string, an object {node} or an array", value);
    }
    const q = el("query", { xmlns: NS.discoItems });
    value.forEach((raw, i) => {
      const p = `items[${i}]`;
      // A bare string is the item's JID, as in mod_rest.
      const item = typeof raw === "string" ? { jid: raw } : record(raw, p);
      q.append(
        el("item", {
          jid: string(item.jid, `${p}.jid`),
          node: optString(item.node, `${p}.node`),
          name: optString(item.name, `${p}.name`),
        }),
      );
    });
    return q;
  },
});

const ACTIONS = ["execute", "cancel", "prev", "next", "complete"] as const;
const STATUSES = ["executing", "completed", "canceled"] as const;
const NOTE_TYPES = ["info", "warn", "error"] as const;

function readCommand(c: Element): JsonCommand {
  const actions = child(c, "actions", NS.commands);
  const note = child(c, "note", NS.commands);
  const form = child(c, "x", NS.data);
  let jsonActions: JsonCommandActions | undefined;
  if (actions) {
    jsonActions = { execute: attr(actions, "execute") };
    for (const a of ["next", "prev", "complete"] as const) {
      if (child(actions, a, NS.commands)) jsonActions[a] = true;
    }
    compact(jsonActions);
  }
  return compact<JsonCommand>({
    node: attr(c, "node"),
    action: attr(c, "action"),
    actions: jsonActions,
    status: attr(c, "status"),
    sessionid: attr(c, "sessionid"),
    note: note ? compact({ type: attr(note, "type"), text: note.getText() }) : undefined,
    form: form ? readDataForm(form) : undefined,
  });
}

function writeActions(value: unknown): Element {
  const a = record(value, "command.actions");
  const actions = el("actions", {
    execute: optOneOf(a.execute, "command.actions.execute", ["prev", "next", "complete"]),
  });
  for (const name of ["prev", "next", "complete"] as const) {
    if (optBoolean(a[name], `command.actions.${name}`)) actions.append(el(name));
  }
  return actions;
}

export const command = field({
  field: "command",
  kinds: IQ,
  read(stanza) {
    const c = child(stanza, "command", NS.commands);
    return c ? readCommand(c) : undefined;
  },
  write(value) {
    // A bare string is the node to execute, as in mod_rest.
    if (typeof value === "string") {
      return el("command", { xmlns: NS.commands, node: string(value, "command") });
    }
    const obj = record(value, "command");
    const c = el("command", {
      xmlns: NS.commands,
      node: optString(obj.node, "command.node"),
      action: optOneOf(obj.action, "command.action", ACTIONS),
      status: optOneOf(obj.status, "command.status", STATUSES),
      sessionid: optString(obj.sessionid, "command.sessionid"),
    });
    if (!isAbsent(obj.actions)) c.append(writeActions(obj.actions));
    if (!isAbsent(obj.note)) {
      const n = record(obj.note, "command.note");
      const type = optOneOf(n.type, "command.note.type", NOTE_TYPES);
      c.append(el("note", { type }, string(n.text, "command.note.text")));
    }
    if (!isAbsent(obj.form)) c.append(writeDataForm(obj.form, "command.form"));
    else if (!isAbsent(obj.data)) c.append(writeFormData(obj.data, "command.data", "submit"));
    return c;
  },
});
