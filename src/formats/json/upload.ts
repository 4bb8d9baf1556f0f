import { NS } from "../../stanza/ns.js";
/** XEP-0363 HTTP file upload: the slot request and the slot. */
import { invalid, isAbsent, optInteger, optString, record, string } from "./check.js";
import { attr, child, children, compact, el, intAttr, setOwn } from "./dom.js";
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
      size: optInteger(r.size, "upload_request.size", 0) ?? fail("upload_request.size", r.size),
      "content-type": optString(r["content-type"], "upload_request.content-type"),
    });
  },
});

function fail(path: string, got: unknown): never {
  throw invalid(path, "a non-negative integer", got);
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
    const headers: Record<string, string> = {};
    for (const h of children(put, "header", NS.upload)) {
      const name = attr(h, "name");
      if (name !== undefined) setOwn(headers, name, h.getText());
    }
    return compact({
      get: getUrl,
      put: putUrl,
      headers: Object.keys(headers).length > 0 ? headers : undefined,
    });
  },
  write(value) {
    const s = record(value, "upload_slot");
    const headers = isAbsent(s.headers) ? {} : record(s.headers, "upload_slot.headers");
    const put = el("put", { url: string(s.put, "upload_slot.put") });
    for (const [name, v] of Object.entries(headers)) {
      const headerName = string(name, "upload_slot.headers key");
      put.append(el("header", { name: headerName }, string(v, `upload_slot.headers.${name}`)));
    }
    return el(
      "slot",
      { xmlns: NS.upload },
      put,
      el("get", { url: string(s.get, "upload_slot.get") }),
    );
  },
});
