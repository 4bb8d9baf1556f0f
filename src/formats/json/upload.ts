import { NS } from "../../stanza/ns.js";
/** XEP-0363 HTTP file upload: the slot request and the slot. */
import { invalid, isAbsent, optInteger, optString, record, string } from "./check.js";
import { attr, child, children, compact, el, intAttr } from "./dom.js";
import { field } from "./field.js";
import type { JsonUploadRequest, JsonUploadSlot, Kind } from "./types.js";

const IQ: readonly Kind[] = ["iq"];

export const uploadRequest = field({
  field: "upload_request",
  kinds: IQ,
  read(stanza): JsonUploadRequest | undefined {
    const r = child(stanza, "request", NS.upload);
    const filename = r && attr(r, "filename");
    const size = r && intAttr(r, "size");
    if (!r || filename === undefined || size === undefined) return undefined;
    return compact({ filename, size, "content-type": attr(r, "content-type") });
  },
  write(value) {
    const r = record(value, "upload_request");
    return el("request", {
      xmlns: NS.upload,
      filename: string(r.filename, "upload_request.filename"),
      size:
        optInteger(uploadSize(r.size), "upload_request.size", 0) ??
        fail("upload_request.size", r.size),
      "content-type": optString(r["content-type"], "upload_request.content-type"),
    });
  },
});

/** A size given as text (as query parameters are) counts as the number it spells, as in mod_rest. */
function uploadSize(value: unknown): unknown {
  return typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
}

function fail(path: string, got: unknown): never {
  throw invalid(path, "a non-negative integer", got);
}

/** A URL given as mod_rest's `{url}` object or as a plain string (this bridge's older form). */
function slotUrl(value: unknown, path: string): { url: string; rest: Record<string, unknown> } {
  if (typeof value === "string") return { url: string(value, path), rest: {} };
  const obj = record(value, path);
  return { url: string(obj.url, `${path}.url`), rest: obj };
}

/** Headers as mod_rest's `[{name, value}]` or as a `{name: value}` map. */
function slotHeaders(value: unknown, path: string): [string, string][] {
  if (isAbsent(value)) return [];
  if (Array.isArray(value)) {
    return value.map((raw, i) => {
      const h = record(raw, `${path}[${i}]`);
      return [string(h.name, `${path}[${i}].name`), string(h.value, `${path}[${i}].value`)];
    });
  }
  return Object.entries(record(value, path)).map(([name, v]) => [
    string(name, `${path} key`),
    string(v, `${path}.${name}`),
  ]);
}

export const uploadSlot = field({
  field: "upload_slot",
  kinds: IQ,
  read(stanza): JsonUploadSlot | undefined {
    const slot = child(stanza, "slot", NS.upload);
    const put = slot && child(slot, "put", NS.upload);
    const get = slot && child(slot, "get", NS.upload);
    const putUrl = put && attr(put, "url");
    const getUrl = get && attr(get, "url");
    if (!put || putUrl === undefined || getUrl === undefined) return undefined;
    const headers = children(put, "header", NS.upload).flatMap((h) => {
      const name = attr(h, "name");
      return name === undefined ? [] : [{ name, value: h.getText() }];
    });
    // mod_rest's shape: each URL in an object, the PUT headers as a list.
    return {
      get: { url: getUrl },
      put: compact({ url: putUrl, headers: headers.length > 0 ? headers : undefined }),
    };
  },
  write(value) {
    const s = record(value, "upload_slot");
    const put = slotUrl(s.put, "upload_slot.put");
    const get = slotUrl(s.get, "upload_slot.get");
    // Headers inside put (mod_rest) or beside it (this bridge's older form).
    const headers = isAbsent(put.rest.headers)
      ? slotHeaders(s.headers, "upload_slot.headers")
      : slotHeaders(put.rest.headers, "upload_slot.put.headers");
    const putEl = el("put", { url: put.url });
    for (const [name, v] of headers) putEl.append(el("header", { name }, v));
    return el("slot", { xmlns: NS.upload }, putEl, el("get", { url: get.url }));
  },
});
