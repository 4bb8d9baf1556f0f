/** Presence fields (RFC 6121 §4.7 and the extensions mod_rest maps). */
import type { Element } from "@xmpp/xml";
import { NS } from "../../stanza/ns.js";
import { boolean, isAbsent, oneOf, optInteger, optString, record, string } from "./check.js";
import { attr, child, childText, compact, el, intAttr, textEl, toInt } from "./dom.js";
import { field } from "./field.js";
import { attrField, textField } from "./simple.js";
import type { JsonCaps, JsonMuc, JsonMucHistory, JsonVcardUpdate, Kind } from "./types.js";

const PRESENCE: readonly Kind[] = ["presence"];

export const SHOW_VALUES = ["away", "chat", "dnd", "xa"] as const;

export const show = field({
  field: "show",
  kinds: PRESENCE,
  read: (stanza) => childText(stanza, "show", ""),
  write: (value) => el("show", {}, oneOf(value, "show", SHOW_VALUES)),
});

export const status = textField("status", PRESENCE, "status");

export const priority = field({
  field: "priority",
  kinds: PRESENCE,
  read: (stanza) => toInt(childText(stanza, "priority", "")),
  // RFC 6121 §4.7.2.3: an integer from -128 to +127.
  write: (value) => textEl("priority", optInteger(value, "priority", -128, 127)?.toString()),
});

export const caps = field({
  field: "caps",
  kinds: PRESENCE,
  read(stanza): JsonCaps | undefined {
    const c = child(stanza, "c", NS.caps);
    const [hash, node, ver] = c ? [attr(c, "hash"), attr(c, "node"), attr(c, "ver")] : [];
    if (!c || hash === undefined || node === undefined || ver === undefined) return undefined;
    return compact({ hash, node, ver, ext: attr(c, "ext") });
  },
  write(value) {
    const obj = record(value, "caps");
    return el("c", {
      xmlns: NS.caps,
      hash: string(obj.hash, "caps.hash"),
      node: string(obj.node, "caps.node"),
      ver: string(obj.ver, "caps.ver"),
      ext: optString(obj.ext, "caps.ext"),
    });
  },
});

function readMuc(x: Element): JsonMuc {
  const history = child(x, "history", NS.muc);
  return compact<JsonMuc>({
    password: childText(x, "password"),
    history: history
      ? compact<JsonMucHistory>({
          maxchars: intAttr(history, "maxchars"),
          maxstanzas: intAttr(history, "maxstanzas"),
          seconds: intAttr(history, "seconds"),
          since: attr(history, "since"),
        })
      : undefined,
  });
}

// An empty muc element reads as `join: true`, one with content as `muc`.
export const muc = field({
  field: "muc",
  kinds: PRESENCE,
  read(stanza) {
    const x = child(stanza, "x", NS.muc);
    return x && x.getChildElements().length > 0 ? readMuc(x) : undefined;
  },
  write(value) {
    const obj = record(value, "muc");
    const x = el("x", { xmlns: NS.muc });
    if (!isAbsent(obj.history)) {
      const h = record(obj.history, "muc.history");
      const num = (key: string) => optInteger(h[key], `muc.history.${key}`, 0);
      x.append(
        el("history", {
          maxchars: num("maxchars"),
          maxstanzas: num("maxstanzas"),
          seconds: num("seconds"),
          since: optString(h.since, "muc.history.since"),
        }),
      );
    }
    const password = textEl("password", optString(obj.password, "muc.password"));
    if (password) x.append(password);
    return x;
  },
});

/** Written only when `muc` is absent (index.ts): both stand for the same element. */
export const join = field({
  field: "join",
  kinds: PRESENCE,
  read(stanza) {
    const x = child(stanza, "x", NS.muc);
    return x && x.getChildElements().length === 0 ? true : undefined;
  },
  write: (value) => (boolean(value, "join") ? el("x", { xmlns: NS.muc }) : undefined),
});

export const idleSince = attrField("idle_since", PRESENCE, "idle", NS.idle, "since");

export const vcardUpdate = field({
  field: "vcard_update",
  kinds: PRESENCE,
  read(stanza): JsonVcardUpdate | undefined {
    const x = child(stanza, "x", NS.vcardUpdate);
    return x ? compact({ photo: childText(x, "photo") }) : undefined;
  },
  write(value) {
    const obj = record(value, "vcard_update");
    const photo = textEl("photo", optString(obj.photo, "vcard_update.photo"));
    return el("x", { xmlns: NS.vcardUpdate }, ...(photo ? [photo] : []));
  },
});
