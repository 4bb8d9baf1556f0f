import { randomUUID } from "node:crypto";
import { notFound, unprocessable } from "../stanza/errors.js";

/** Payloads GET /rest/{query}/{to} can ask for (mod_rest's list). */
export const GET_QUERIES: readonly string[] = [
  "ping",
  "version",
  "disco",
  "items",
  "lastactivity",
  "archive",
  "extdisco",
  "oob",
  "stats",
  "payload",
];

const RSM_NUMBERS = new Set(["max"]);
const RSM_STRINGS = new Set(["before", "after"]);

function archiveQuery(params: URLSearchParams) {
  const form: Record<string, string | string[]> = {};
  const page: Record<string, string | number> = {};
  let node: string | undefined;
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    const value = values[values.length - 1] ?? "";
    if (key === "queryid") continue;
    if (key === "node") node = value;
    else if (RSM_NUMBERS.has(key)) {
      const n = Number(value);
      if (!/^\d+$/.test(value)) throw unprocessable(`${key} must be a whole number`);
      page[key] = n;
    } else if (RSM_STRINGS.has(key)) page[key] = value;
    else form[key] = values.length > 1 ? values : value;
  }
  return {
    queryid: params.get("queryid") ?? randomUUID(),
    ...(node !== undefined ? { node } : {}),
    ...(Object.keys(form).length ? { form } : {}),
    ...(Object.keys(page).length ? { page } : {}),
  };
}

function payload(params: URLSearchParams) {
  const data = params.get("data");
  let parsed: unknown = {};
  if (data !== null) {
    try {
      parsed = JSON.parse(data);
    } catch {
      throw unprocessable("data must be JSON");
    }
  }
  return { ...(params.has("datatype") ? { datatype: params.get("datatype") } : {}), data: parsed };
}

/**
 * The JSON stanza for GET /rest/{query}/{to}: an iq get with one payload, filled
 * from the query string (e.g. ?node= for disco and items; with/start/end and
 * max/before/after for archive).
 */
export function queryToJson(
  query: string,
  to: string,
  params: URLSearchParams,
): Record<string, unknown> {
  if (!GET_QUERIES.includes(query)) {
    throw notFound(`unknown query '${query}'; one of ${GET_QUERIES.join(", ")}`);
  }
  const base = { kind: "iq", type: "get", to };
  switch (query) {
    case "disco":
    case "items": {
      const node = params.get("node");
      return { ...base, [query]: node ?? true };
    }
    case "extdisco": {
      const type = params.get("type");
      return { ...base, extdisco: type ? { type } : true };
    }
    case "archive":
      return { ...base, archive: archiveQuery(params) };
    case "payload":
      return { ...base, payload: payload(params) };
    default:
      return { ...base, [query]: true };
  }
}
