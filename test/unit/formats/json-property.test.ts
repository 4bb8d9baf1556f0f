import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonToStanza, stanzaToJson } from "../../../src/formats/json/index.js";
import { parseXmlElement, serializeStanza } from "../../../src/formats/xml.js";
import { StanzaError } from "../../../src/stanza/errors.js";

// Every character XML 1.0 allows, except the whitespace a parser normalises (\r in text; \t, \n,
// \r in attributes), so a serialise-and-parse round trip can be exact.
const XML_CHAR = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
const text = fc
  .string({ unit: "binary", maxLength: 12 })
  .filter((s) => XML_CHAR.test(s) && !s.includes("\r"));
const attr = text.filter((s) => !/[\t\n]/.test(s));
const nonEmpty = attr.filter((s) => s !== "");
const nat = fc.nat({ max: 1_000_000 });
const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

/** A record whose optional keys come and go. */
function some<T extends Record<string, fc.Arbitrary<unknown>>>(
  model: T,
  required: (keyof T)[] = [],
) {
  return fc.record(model, { requiredKeys: required as never[] });
}

const rsm = fc
  .record(
    {
      after: attr,
      before: attr,
      count: nat,
      first: attr,
      index: nat,
      last: attr,
      max: nat,
    },
    { requiredKeys: [] },
  )
  .map((r) => {
    // index only exists on <first>.
    if (r.first === undefined) delete r.index;
    return r;
  });

const formValue = fc.oneof(text, fc.array(text, { minLength: 2, maxLength: 3 }), fc.constant([]));
const formData = fc.dictionary(
  nonEmpty.filter((k) => k !== "FORM_TYPE"),
  formValue,
  { maxKeys: 3 },
);

const singleField = some(
  {
    var: attr,
    type: fc.constantFrom("text-single", "hidden", "boolean", "fixed", "jid-single"),
    label: attr,
    desc: text,
    required: fc.constant(true),
    value: text,
  },
  [],
);
const multiField = some(
  {
    var: attr,
    type: fc.constantFrom("text-multi", "jid-multi"),
    value: fc.array(text, { maxLength: 3 }),
  },
  ["type", "value"],
);
const listField = some(
  {
    var: attr,
    type: fc.constant("list-single"),
    value: text,
    options: fc.array(some({ label: attr, value: text }, ["value"]), { maxLength: 3 }),
  },
  ["type", "options"],
);
const dataform = some(
  {
    type: fc.constantFrom("form", "submit", "cancel", "result"),
    title: text,
    instructions: text,
    fields: fc.array(fc.oneof(singleField, multiField, listField), { maxLength: 3 }),
  },
  ["type", "fields"],
);

const common = {
  to: attr,
  from: attr,
  id: attr,
  lang: attr,
  delay: attr,
  nick: text,
  rsm,
  dataform,
  payload: some({ datatype: attr, data: fc.jsonValue({ maxDepth: 2 }) }, ["data"]),
};

// Non-empty: an empty <p></p> comes back in its short form <p/>.
const letters = fc.stringMatching(/^[a-z ]{1,10}$/);

const nestedMessage = some(
  {
    kind: fc.constant("message"),
    type: fc.constantFrom("chat", "normal", "groupchat", "headline"),
    id: attr,
    body: text,
    thread: some({ id: text, parent: attr }, ["id"]),
  },
  ["kind"],
);
const forward = some({ delay: attr, message: nestedMessage });

const message = some(
  {
    ...common,
    kind: fc.constant("message"),
    type: fc.constantFrom("chat", "normal", "groupchat", "headline"),
    body: text,
    subject: text,
    thread: some({ id: text, parent: attr }, ["id"]),
    html: letters.map((t) => `<body><p>${t}</p></body>`),
    state: fc.constantFrom("active", "inactive", "gone", "composing", "paused"),
    oob: some({ url: text, desc: text }, ["url"]),
    replace: attr,
    reactions: some({ id: attr, reactions: fc.array(text, { maxLength: 3 }) }, ["id", "reactions"]),
    reply: some({ id: attr, to: attr }, ["id"]),
    fallback: fc.constant(true),
    attach_to: attr,
    markable: fc.constant(true),
    displayed: attr,
    occupant_id: attr,
    stanza_ids: fc.array(some({ id: attr, by: attr }, ["id", "by"]), {
      minLength: 1,
      maxLength: 2,
    }),
    encryption: attr,
    invite: some(
      { jid: attr, password: attr, reason: attr, thread: attr, continue: fc.boolean() },
      ["jid"],
    ),
    reference: some({ type: attr, uri: attr, begin: nat, end: nat }, ["type", "uri"]),
    forwarded: forward,
    archive: some({ queryid: attr, id: attr, forward }, ["id"]),
  },
  ["kind"],
).map((m) => {
  // Both names are written for one jabber:x:oob element.
  const oob = m.oob as { url: string } | undefined;
  return oob ? { ...m, oob_url: oob.url } : m;
});

const presence = some(
  {
    ...common,
    kind: fc.constant("presence"),
    type: fc.constantFrom(
      "available",
      "unavailable",
      "subscribe",
      "subscribed",
      "unsubscribe",
      "unsubscribed",
      "probe",
    ),
    show: fc.constantFrom("away", "chat", "dnd", "xa"),
    status: text,
    priority: fc.integer({ min: -128, max: 127 }),
    caps: some({ hash: attr, node: attr, ver: attr, ext: attr }, ["hash", "node", "ver"]),
    muc: fc.oneof(
      some({ password: text }, ["password"]),
      some(
        {
          password: text,
          history: some({ maxchars: nat, maxstanzas: nat, seconds: nat, since: attr }),
        },
        ["history"],
      ),
    ),
    idle_since: attr,
    vcard_update: some({ photo: text }),
  },
  ["kind", "type"],
).chain((p) =>
  p.muc ? fc.constant(p) : fc.boolean().map((join) => (join ? { ...p, join: true } : p)),
);

const service = some(
  {
    type: attr,
    host: attr,
    port: fc.nat({ max: 65535 }),
    transport: attr,
    username: attr,
    password: attr,
    expires: attr,
    restricted: fc.boolean(),
    name: attr,
  },
  ["type", "host"],
);

const iq = some(
  {
    ...common,
    kind: fc.constant("iq"),
    type: fc.constantFrom("get", "set", "result"),
    ping: fc.constant(true),
    version: fc.oneof(fc.constant({}), some({ name: text, version: text, os: text }, ["name"])),
    disco: fc.oneof(
      fc.constant(true),
      attr,
      some(
        {
          node: attr,
          identities: fc.array(
            some({ category: attr, type: attr, name: attr }, ["category", "type"]),
            {
              maxLength: 2,
            },
          ),
          features: fc.array(attr, { minLength: 1, maxLength: 3 }),
          extensions: fc.dictionary(nonEmpty, formData, { minKeys: 1, maxKeys: 2 }),
        },
        ["identities", "features"],
      ),
    ),
    items: fc.oneof(
      fc.constant(true),
      attr,
      fc.array(some({ jid: attr, node: attr, name: attr }, ["jid"]), {
        minLength: 1,
        maxLength: 3,
      }),
    ),
    command: some({
      node: attr,
      action: fc.constantFrom("execute", "cancel", "prev", "next", "complete"),
      actions: some({
        execute: fc.constantFrom("prev", "next", "complete"),
        next: fc.constant(true),
        prev: fc.constant(true),
        complete: fc.constant(true),
      }),
      status: fc.constantFrom("executing", "completed", "canceled"),
      sessionid: attr,
      note: some({ type: fc.constantFrom("info", "warn", "error"), text }, ["text"]),
      form: dataform,
    }),
    archive: fc.oneof(
      fc.constant({}),
      some({ queryid: attr, node: attr, form: formData, page: rsm }, ["queryid"]),
    ),
    result: some({ complete: fc.boolean(), stable: fc.boolean(), page: rsm }),
    lastactivity: fc.oneof(
      fc.constant({}),
      some({ seconds: nat, status: text.filter((s) => s !== "") }, ["seconds"]),
    ),
    oob: fc.oneof(fc.constant({}), some({ url: text, desc: text }, ["url"])),
    extdisco: fc.oneof(
      fc.constant({}),
      some({ type: attr, services: fc.array(service, { minLength: 1, maxLength: 2 }) }, ["type"]),
    ),
    gateway: fc.oneof(fc.constant({}), some({ desc: text, prompt: text, jid: text }, ["prompt"])),
    register: fc.oneof(
      fc.constant({}),
      fc.dictionary(
        fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/),
        fc.oneof(
          fc.constant(true as const),
          text.filter((s) => s !== ""),
        ),
        { minKeys: 1, maxKeys: 3 },
      ),
    ),
    stats: fc.oneof(
      fc.constant({}),
      fc.array(some({ name: attr, unit: attr, value: fc.oneof(nat, letters) }, ["name"]), {
        minLength: 1,
        maxLength: 3,
      }),
    ),
    upload_request: some({ filename: attr, size: nat, "content-type": attr }, ["filename", "size"]),
    upload_slot: fc.record({
      get: fc.record({ url: attr }),
      put: some(
        {
          url: attr,
          headers: fc.array(fc.record({ name: nonEmpty, value: text }), {
            minLength: 1,
            maxLength: 2,
          }),
        },
        ["url"],
      ),
    }),
  },
  ["kind", "type"],
);

const errorStanza = fc
  .tuple(
    fc.constantFrom("message", "presence", "iq"),
    some(
      {
        type: fc.constantFrom("auth", "cancel", "continue", "modify", "wait"),
        condition: fc.constantFrom("bad-request", "item-not-found", "forbidden", "gone"),
        text,
        by: attr,
      },
      ["type", "condition"],
    ),
    opt(attr),
  )
  .map(([kind, error, id]) =>
    id === undefined ? { kind, type: "error", error } : { kind, type: "error", id, error },
  );

// JSON as it arrives over HTTP: what JSON.stringify cannot express (undefined, -0) is gone.
const asJson = (value: unknown) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
const stanzas = fc.oneof(message, presence, iq, errorStanza).map(asJson);

describe("JSON mapping properties", () => {
  it("round-trips any JSON stanza within the mapping", () => {
    fc.assert(
      fc.property(stanzas, (json) => {
        expect(stanzaToJson(jsonToStanza(json))).toEqual(json);
      }),
      { numRuns: 400 },
    );
  });

  it("round-trips through serialised XML as well", () => {
    fc.assert(
      fc.property(stanzas, (json) => {
        const xml = serializeStanza(jsonToStanza(json));
        expect(stanzaToJson(parseXmlElement(xml).root)).toEqual(json);
      }),
      { numRuns: 400 },
    );
  });
});

const KNOWN_KEYS = [
  ...["kind", "type", "to", "from", "id", "lang", "delay", "nick", "rsm", "dataform", "payload"],
  ...["error", "body", "subject", "thread", "html", "state", "oob_url", "oob", "replace"],
  ...["reactions", "reply", "fallback", "attach_to", "markable", "displayed", "occupant_id"],
  ...["stanza_ids", "encryption", "invite", "reference", "forwarded", "archive", "show", "status"],
  ...["priority", "caps", "muc", "join", "idle_since", "vcard_update", "ping", "version", "disco"],
  ...["items", "command", "result", "lastactivity", "extdisco", "gateway", "register", "stats"],
  ...["upload_request", "upload_slot"],
];
// Keys of nested objects, so junk reaches the inner checks too.
const NESTED_KEYS = [
  ...["id", "parent", "url", "desc", "jid", "node", "name", "message", "forward", "queryid"],
  ...["form", "page", "fields", "value", "options", "var", "label", "required", "identities"],
  ...["features", "extensions", "actions", "note", "text", "condition", "by", "data", "history"],
  ...["services", "host", "port", "seconds", "size", "get", "put", "headers", "reactions", "first"],
  ...["index", "max", "before", "after", "count", "type", "category", "kind", "body"],
];

const junkValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.anything(),
    fc.string({ unit: "binary" }),
    fc.constantFrom(true, false, null, 0, -1, 1.5, "", "\u0000", "\uFFFE", "\uD800", [], {}),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...NESTED_KEYS), tie("value"), { maxKeys: 4 }),
  ),
})).value;

const junkStanza = fc.oneof(
  fc.anything(),
  fc.dictionary(fc.constantFrom(...KNOWN_KEYS), junkValue, { maxKeys: 5 }),
  // A valid stanza with one field replaced by junk.
  fc
    .tuple(stanzas, fc.constantFrom(...KNOWN_KEYS), junkValue)
    .map(([json, key, value]) => ({ ...json, [key]: value })),
);

describe("jsonToStanza on junk", () => {
  it("returns a stanza or throws a 400/422 StanzaError, nothing else", () => {
    fc.assert(
      fc.property(junkStanza, (input) => {
        try {
          jsonToStanza(input);
        } catch (err) {
          expect(err).toBeInstanceOf(StanzaError);
          expect([400, 422]).toContain((err as StanzaError).status);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("only ever builds XML that parses back", () => {
    fc.assert(
      fc.property(junkStanza, (input) => {
        let xml: string;
        try {
          xml = serializeStanza(jsonToStanza(input));
        } catch {
          return;
        }
        expect(() => parseXmlElement(xml)).not.toThrow();
      }),
      { numRuns: 3000 },
    );
  });
});
