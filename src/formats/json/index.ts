/**
 * Stanza <-> JSON, mod_rest's mapping (README.md, "The JSON mapping"). Elements the mapping does not know
 * are dropped on the way to JSON; JSON fields it does not know are ignored on the way back (so
 * clients may send extra data), but a known field with a wrong value is a 422, and nothing but
 * a StanzaError ever leaves jsonToStanza.
 */
import type { Element } from "@xmpp/xml";
import { StanzaError, unprocessable } from "../../stanza/errors.js";
import { accountEvent, carbon, catchup } from "./account-note.js";
import { readBasics, resolveKind, writeBasics } from "./basics.js";
import { block, blocklist, unblock } from "./blocking.js";
import { array, invalid, isAbsent, record } from "./check.js";
import * as common from "./common.js";
import { dataform } from "./dataform.js";
import * as disco from "./disco.js";
import { extdisco } from "./extdisco.js";
import type { AnyFieldMapping, Context } from "./field.js";
import * as iq from "./iq.js";
import * as mam from "./mam.js";
import * as message from "./message.js";
import { oob, oobUrl } from "./oob.js";
import * as presence from "./presence.js";
import { properties } from "./properties.js";
import { roomEvent } from "./room-event.js";
import type { JsonStanza, JsonStanzaList, Kind } from "./types.js";
import * as upload from "./upload.js";

export type * from "./types.js";

/** In the order their elements are written: content first, any-kind metadata, error last. */
const MAPPINGS: readonly AnyFieldMapping[] = [
  message.body,
  message.subject,
  message.thread,
  message.html,
  message.state,
  oobUrl,
  oob,
  message.replace,
  message.reactions,
  message.reply,
  message.fallback,
  message.attachTo,
  message.markable,
  message.displayed,
  message.occupantId,
  message.stanzaIds,
  message.encryption,
  message.invite,
  message.reference,
  mam.forwarded,
  presence.show,
  presence.status,
  presence.priority,
  presence.caps,
  presence.muc,
  presence.join,
  presence.idleSince,
  presence.vcardUpdate,
  iq.ping,
  iq.version,
  disco.disco,
  disco.items,
  disco.command,
  mam.archive,
  mam.result,
  iq.lastactivity,
  extdisco,
  iq.gateway,
  iq.register,
  iq.stats,
  upload.uploadRequest,
  upload.uploadSlot,
  blocklist,
  block,
  unblock,
  common.delay,
  common.nick,
  common.rsm,
  dataform,
  common.payload,
  properties,
  roomEvent,
  carbon,
  catchup,
  accountEvent,
  common.error,
];

// Forwarded stanzas nest; a bound keeps hostile input from exhausting the stack.
const MAX_DEPTH = 8;

function context(kind: Kind, depth: number): Context {
  return {
    kind,
    stanzaToJson: (element) => toJson(element, depth + 1),
    jsonToStanza: (value, path) => {
      if (depth + 1 > MAX_DEPTH) throw invalid(path, `at most ${MAX_DEPTH} nested stanzas`);
      try {
        return fromJson(value, depth + 1);
      } catch (err) {
        if (!(err instanceof StanzaError)) throw err;
        // "stanza: ..." is about the nested value itself, which the path already names.
        const inner = err.text?.replace(/^stanza:/, ":") ?? "";
        const text = `${path}${/^[[:]/.test(inner) ? "" : "."}${inner}`;
        throw new StanzaError(err.type, err.condition, { text, status: err.status });
      }
    },
  };
}

function toJson(element: Element, depth: number): JsonStanza {
  const json = readBasics(element);
  const ctx = context(json.kind, depth);
  const fields = json as unknown as Record<string, unknown>;
  for (const mapping of MAPPINGS) {
    if (!mapping.kinds.includes(json.kind) || depth > MAX_DEPTH) continue;
    const value = mapping.read(element, ctx);
    if (value !== undefined) fields[mapping.field] = value;
  }
  return json;
}

function fromJson(value: unknown, depth: number): Element {
  if (Array.isArray(value) || typeof value !== "object" || value === null) {
    throw invalid("stanza", "a JSON object", value);
  }
  const obj = value as Record<string, unknown>;
  const kind = resolveKind(obj, MAPPINGS);
  const stanza = writeBasics(obj, kind);
  const ctx = context(kind, depth);
  for (const mapping of MAPPINGS) {
    const fieldValue = obj[mapping.field];
    if (isAbsent(fieldValue)) continue;
    if (!mapping.kinds.includes(kind)) {
      throw invalid(
        mapping.field,
        `no such field on a ${kind} (it is for ${mapping.kinds.join(", ")})`,
      );
    }
    // Two names for one element: the richer one wins.
    if (mapping.field === "join" && !isAbsent(obj.muc)) continue;
    if (mapping.field === "oob_url" && !isAbsent(obj.oob)) continue;
    const built = mapping.write(fieldValue, ctx);
    for (const child of Array.isArray(built) ? built : built ? [built] : []) stanza.append(child);
  }
  return stanza;
}

/** The JSON form of a message, presence or iq element. */
export function stanzaToJson(element: Element): JsonStanza {
  return toJson(element, 0);
}

/**
 * The stanza for a JSON value from outside. Throws only StanzaError: 422 bad-request naming the
 * field when the value does not fit the mapping.
 */
export function jsonToStanza(value: unknown): Element {
  try {
    return fromJson(value, 0);
  } catch (err) {
    if (err instanceof StanzaError) throw err;
    // Only hostile shapes get here (e.g. payload data nested deeper than the stack allows).
    const reason = err instanceof Error ? err.message : "unexpected value";
    throw unprocessable(`stanza: cannot be built (${reason})`);
  }
}

/** Several stanzas as `{"xmpp": [...]}`. */
export function stanzasToJson(elements: readonly Element[]): JsonStanzaList {
  return { xmpp: elements.map((e) => stanzaToJson(e)) };
}

/** `{"xmpp": [...]}` or a single stanza object, as elements. */
export function jsonToStanzas(value: unknown): Element[] {
  const obj = record(value, "stanza");
  if (isAbsent(obj.xmpp)) return [jsonToStanza(obj)];
  return array(obj.xmpp, "xmpp").map((item, i) => {
    try {
      return jsonToStanza(item);
    } catch (err) {
      if (!(err instanceof StanzaError)) throw err;
      throw new StanzaError(err.type, err.condition, {
        text: `xmpp[${i}].${err.text ?? ""}`,
        status: err.status,
      });
    }
  });
}
