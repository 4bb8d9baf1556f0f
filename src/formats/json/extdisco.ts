import { NS } from "../../stanza/ns.js";
/** XEP-0215 external service discovery (STUN/TURN and the like). */
import {
  array,
  invalid,
  isAbsent,
  isEmptyQuery,
  optBoolean,
  optInteger,
  optString,
  record,
} from "./check.js";
import { attr, child, children, compact, el, intAttr, toBool } from "./dom.js";
import { field } from "./field.js";
import type { JsonExtDisco, JsonExtService, Kind } from "./types.js";

const SERVICE_ATTRS = ["type", "host", "transport", "username", "password", "expires", "name"];

export const extdisco = field({
  field: "extdisco",
  kinds: ["iq"] as readonly Kind[],
  read(stanza): JsonExtDisco | undefined {
    const s = child(stanza, "services", NS.extdisco);
    if (!s) return undefined;
    const services = children(s, "service", NS.extdisco).flatMap((svc): JsonExtService[] => {
      const type = attr(svc, "type");
      const host = attr(svc, "host");
      if (type === undefined || host === undefined) return [];
      return [
        compact({
          type,
          host,
          port: intAttr(svc, "port"),
          transport: attr(svc, "transport"),
          username: attr(svc, "username"),
          password: attr(svc, "password"),
          expires: attr(svc, "expires"),
          restricted: toBool(attr(svc, "restricted")),
          name: attr(svc, "name"),
        }),
      ];
    });
    // A request reads as `{}` or `{type}`, as in mod_rest.
    return compact({ type: attr(s, "type"), services: services.length > 0 ? services : undefined });
  },
  write(value) {
    if (isEmptyQuery(value)) return el("services", { xmlns: NS.extdisco });
    // A bare string is the service type to ask for.
    const obj = typeof value === "string" ? { type: value } : record(value, "extdisco");
    const list = isAbsent(obj.services) ? [] : array(obj.services, "extdisco.services");
    const services = list.map((raw, i) => {
      const p = `extdisco.services[${i}]`;
      const svc = record(raw, p);
      const attrs: Record<string, string | number | boolean | undefined> = {};
      for (const key of SERVICE_ATTRS) attrs[key] = optString(svc[key], `${p}.${key}`);
      if (attrs.type === undefined) throw invalid(`${p}.type`, "a string", svc.type);
      if (attrs.host === undefined) throw invalid(`${p}.host`, "a string", svc.host);
      attrs.port = optInteger(svc.port, `${p}.port`, 0, 65535);
      attrs.restricted = optBoolean(svc.restricted, `${p}.restricted`);
      return el("service", attrs);
    });
    const type = optString(obj.type, "extdisco.type");
    return el("services", { xmlns: NS.extdisco, type }, ...services);
  },
});
