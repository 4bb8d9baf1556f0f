/**
 * What the fuzzer sends: HTTP requests in every content type and path form, and webhook
 * answers, built from the stanza corpus (test/fixtures/stanzas), mutated, and from the
 * hostile shapes that once dropped the component stream (issue 8). Everything derives from
 * fast-check arbitraries, so a seed replays a run exactly and a failure shrinks.
 */
import fc from "fast-check";
import { FORM_FIELDS } from "../../src/formats/form.js";
import { corpus } from "../fixtures/stanzas/index.js";

/**
 * Addresses a request may target; all are answered quickly (no iq waits for its timeout).
 * alice is registered and never online, so messages to her cross the component stream and
 * bounce: the in-process test user (bob) does not spend this process's CPU parsing them,
 * which would blur the event-loop measurement that is meant for the bridge.
 */
export const TARGETS = [
  "alice@localhost",
  "alice@localhost/r",
  "nobody@localhost",
  "localhost",
  "rest.localhost",
  "echo@rest.localhost",
] as const;

// Characters and fragments that have broken XML writers and parsers: controls, non-characters,
// what invalid UTF-8 decodes to, a BOM, lone surrogates, markup, escapes that grow.
const NASTY = [
  "\u0000",
  "\u0001",
  "\u0008",
  "\u000b",
  "\u001f",
  "\u007f",
  "\u0085",
  "\u2028",
  "\uFFFE",
  "\uFFFF",
  "\uFFFD",
  "\uFEFF",
  "\uD800",
  "\uDC00",
  "\u00e9",
  "😀",
  "&",
  "&amp;",
  "&#0;",
  "&#xFFFE;",
  "&bogus;",
  "<",
  ">",
  '"',
  "'",
  "]]>",
  "<![CDATA[",
  "<?pi?>",
  "<!--",
  ":",
  "p:",
  "xmlns",
  'xmlns:p=""',
  'xmlns:p="u"',
  "xml:",
  "/",
  "@",
  "%",
  " ",
  "\t",
  "\r\n",
] as const;

const nastyPiece = fc.constantFrom(...NASTY);
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u));

/** Short strings that are mostly trouble. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: nastyPiece, weight: 4 },
  {
    arbitrary: fc.array(fc.oneof(nastyPiece, codeUnit), { maxLength: 6 }).map((a) => a.join("")),
    weight: 3,
  },
  { arbitrary: fc.string({ unit: "binary", maxLength: 12 }), weight: 2 },
  { arbitrary: fc.string({ maxLength: 12 }), weight: 2 },
);

const corpusXml = corpus.flatMap(([, cases]) => cases.map((c) => c.xml));
const corpusJson = corpus.flatMap(([, cases]) => cases.map((c) => c.json));

const target = fc.constantFrom(...TARGETS);

/** A corpus stanza sent somewhere Prosody answers (the corpus addresses a@b.example). */
const seedXml = fc
  .tuple(fc.constantFrom(...corpusXml), target)
  .map(([xml, to]) => xml.replace(/ to="[^"]*"/, ` to="${to}"`));

/** One edit of a text: insert, delete, duplicate, replace or repeat a slice. */
const mutation = fc.tuple(
  fc.constantFrom("insert", "delete", "duplicate", "replace", "repeat"),
  fc.double({ min: 0, max: 1, noNaN: true }),
  fc.double({ min: 0, max: 1, noNaN: true }),
  nastyString,
  fc.integer({ min: 2, max: 400 }),
);

type Mutation = [string, number, number, string, number];

function mutate(text: string, edits: readonly Mutation[]): string {
  let out = text;
  for (const [op, a, b, piece, times] of edits) {
    const i = Math.floor(a * out.length);
    const j = Math.min(out.length, i + Math.floor(b * 16));
    switch (op) {
      case "insert":
        out = out.slice(0, i) + piece + out.slice(i);
        break;
      case "delete":
        out = out.slice(0, i) + out.slice(j);
        break;
      case "duplicate":
        out = out.slice(0, j) + out.slice(i, j) + out.slice(j);
        break;
      case "replace":
        out = out.slice(0, i) + piece + out.slice(i + 1);
        break;
      case "repeat":
        out = out.slice(0, j) + out.slice(i, j).repeat(times) + out.slice(j);
        break;
    }
  }
  return out;
}

const mutatedXml = fc
  .tuple(seedXml, fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([xml, edits]) => mutate(xml, edits));

/** The shapes of issue 8's reproductions, at random sizes. */
const hostileXml: fc.Arbitrary<string> = fc.oneof(
  // Deep nesting (defect 5): quadratic in saxes once past the depth limit.
  fc
    .integer({ min: 90, max: 60_000 })
    .map((n) => `<message to="alice@localhost">${"<a>".repeat(n)}${"</a>".repeat(n)}</message>`),
  // Escaping growth (defect 3): & and quotes become 5-6 bytes each when written.
  fc
    .tuple(fc.integer({ min: 1, max: 38_000 }), fc.constantFrom("&amp;", "&quot;", "&lt;"))
    .map(
      ([n, e]) =>
        `<message to="alice@localhost"><body a="${e.repeat(n)}">${e.repeat(n)}</body></message>`,
    ),
  // Namespace amplification (defect 4): one long declaration, many prefixed children.
  fc
    .tuple(fc.integer({ min: 10, max: 6_000 }), fc.integer({ min: 1, max: 25_000 }))
    .map(
      ([len, n]) =>
        `<message to="alice@localhost" xmlns:p="urn:${"u".repeat(len)}">${"<p:b/>".repeat(n)}</message>`,
    ),
  // Names the server's parser refuses (defect 2).
  fc
    .tuple(nastyString, fc.constantFrom("el", "attr", "prefix"))
    .map(([bad, where]) =>
      where === "el"
        ? `<message to="alice@localhost"><a${bad}/></message>`
        : where === "attr"
          ? `<message to="alice@localhost"><a b${bad}="1"/></message>`
          : `<message to="alice@localhost"><${bad}:a xmlns:${bad}="u"/></message>`,
    ),
  // Many attributes and many children.
  fc
    .integer({ min: 1, max: 12_000 })
    .map(
      (n) =>
        `<message to="alice@localhost"><x ${Array.from({ length: n }, (_, i) => `a${i}="v"`).join(" ")}/></message>`,
    ),
  fc
    .integer({ min: 1, max: 40_000 })
    .map((n) => `<message to="alice@localhost">${"<b/>".repeat(n)}</message>`),
);

export const xmlBody: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: seedXml, weight: 2 },
  { arbitrary: mutatedXml, weight: 10 },
  { arbitrary: hostileXml, weight: 1 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 40 }), weight: 1 },
);

const fieldName = fc.constantFrom(
  ...Object.keys(FORM_FIELDS),
  "kind",
  "error",
  "payload",
  "dataform",
  "forwarded",
  "reactions",
  "html",
  "thread",
  "rsm",
  "disco",
  "command",
);
const jsonLeaf = fc.oneof(
  nastyString,
  target,
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(true, false, null, 0, -1, 2 ** 60, "chat", "get", "message", "iq"),
);

const mutatedJson = fc
  .tuple(
    fc.constantFrom(...corpusJson),
    target,
    fc.array(fc.tuple(fieldName, jsonLeaf), { maxLength: 4 }),
  )
  .map(([json, to, edits]) => {
    const out: Record<string, unknown> = { ...json, to };
    for (const [key, value] of edits) out[key] = value;
    return JSON.stringify(out);
  });

export const jsonBody: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: mutatedJson, weight: 8 },
  {
    arbitrary: fc
      .tuple(mutatedJson, fc.array(mutation, { minLength: 1, maxLength: 3 }))
      .map(([text, edits]) => mutate(text, edits)),
    weight: 3,
  },
  { arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? "null"), weight: 1 },
  {
    arbitrary: fc
      .integer({ min: 1, max: 40_000 })
      .map((n) =>
        JSON.stringify({ kind: "message", to: "alice@localhost", body: "&".repeat(n * 3) }),
      ),
    weight: 1,
  },
);

export const formBody: fc.Arbitrary<string> = fc
  .array(fc.tuple(fieldName, fc.oneof(nastyString, target, fc.constantFrom("chat", "1", ""))), {
    maxLength: 6,
  })
  .chain((pairs) =>
    target.map((to) => {
      const params = new URLSearchParams(pairs);
      if (!params.has("to")) params.set("to", to);
      return params.toString();
    }),
  );

export const textBody: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: nastyString, weight: 4 },
  { arbitrary: fc.string({ maxLength: 200 }), weight: 2 },
  {
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 196_000 }), fc.constantFrom("&", "<", '"', "é", "x"))
      .map(([n, ch]) => ch.repeat(n)),
    weight: 1,
  },
);

export const CONTENT_TYPES = [
  "application/xmpp+xml",
  "application/json",
  "application/x-www-form-urlencoded",
  "text/plain",
] as const;

const contentType = fc.oneof(
  { arbitrary: fc.constantFrom(...CONTENT_TYPES), weight: 12 },
  {
    arbitrary: fc.constantFrom(
      "application/xml",
      "text/xml",
      "application/json; charset=latin1",
      "text/plain; charset=utf-8",
      "",
      "multipart/form-data",
    ),
    weight: 1,
  },
);

function bodyFor(type: string): fc.Arbitrary<string> {
  if (type.startsWith("application/json")) return jsonBody;
  if (type.startsWith("application/x-www")) return formBody;
  if (type.startsWith("text/plain")) return textBody;
  return xmlBody;
}

/** Raw bytes, sometimes with invalid UTF-8 spliced in (it decodes to U+FFFD). */
const bytesOf = (text: string) =>
  fc.oneof(
    { arbitrary: fc.constant(Buffer.from(text, "utf8")), weight: 6 },
    {
      arbitrary: fc
        .tuple(
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.constantFrom([0xff], [0xc3], [0xed, 0xa0, 0x80], [0xef, 0xbb, 0xbf], [0xfe, 0xff]),
        )
        .map(([at, bytes]) => {
          const buf = Buffer.from(text, "utf8");
          const i = Math.floor(at * buf.length);
          return Buffer.concat([buf.subarray(0, i), Buffer.from(bytes), buf.subarray(i)]);
        }),
      weight: 1,
    },
  );

/** A path segment: a plausible value, or trouble, percent-encoded as a client would. */
const segment = (values: readonly string[]) =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...values).map(encodeURIComponent), weight: 6 },
    {
      arbitrary: nastyString.map((s) => {
        try {
          return encodeURIComponent(s);
        } catch {
          return "%ED%A0%80"; // a lone surrogate, as the bytes a client could still send
        }
      }),
      weight: 2,
    },
    {
      arbitrary: fc.constantFrom("%01", "%00", "%EF%BF%BE", "%FF", "%C3", "%", "%E2%80%A8"),
      weight: 1,
    },
  );

export interface HttpCase {
  readonly kind: "http";
  readonly method: "POST" | "GET";
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: Buffer;
}

const timeoutHeader = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 6 },
  {
    arbitrary: fc.constantFrom(
      "1",
      "0.5",
      "1e-9",
      "0x10",
      "-1",
      "",
      "abc",
      "0",
      "0.0001",
      "Infinity",
    ),
    weight: 1,
  },
);

const postPath = fc.oneof(
  { arbitrary: fc.constant("/rest"), weight: 5 },
  { arbitrary: fc.constant("/rest/echo"), weight: 1 },
  {
    arbitrary: fc
      .tuple(
        segment(["message", "presence", "iq"]),
        segment([
          "chat",
          "normal",
          "headline",
          "groupchat",
          "get",
          "set",
          "available",
          "unavailable",
          "error",
          "result",
        ]),
        segment(TARGETS),
      )
      .map(([k, t, to]) => `/rest/${k}/${t}/${to}`),
    weight: 4,
  },
);

const getPath = fc
  .tuple(
    segment([
      "ping",
      "version",
      "disco",
      "items",
      "lastactivity",
      "stats",
      "extdisco",
      "archive",
      "bogus",
    ]),
    segment(TARGETS),
    fc.array(fc.tuple(fc.constantFrom("node", "max", "with", "type", "x"), nastyString), {
      maxLength: 2,
    }),
  )
  .map(([q, to, params]) => {
    const search = params.length ? `?${new URLSearchParams(params).toString()}` : "";
    return `/rest/${q}/${to}${search}`;
  });

export const httpCase: fc.Arbitrary<HttpCase> = fc.oneof(
  {
    arbitrary: fc
      .tuple(
        postPath,
        contentType,
        timeoutHeader,
        fc.constantFrom(undefined, "application/json", "application/xmpp+xml", "text/plain"),
      )
      .chain(([path, type, timeout, accept]) =>
        bodyFor(type)
          .chain(bytesOf)
          .map((body): HttpCase => {
            const headers: Record<string, string> = {};
            if (type !== "") headers["content-type"] = type;
            if (timeout !== undefined) headers["prosody-rest-timeout"] = timeout;
            if (accept !== undefined) headers.accept = accept;
            return { kind: "http", method: "POST", path, headers, body };
          }),
      ),
    weight: 12,
  },
  {
    arbitrary: getPath.map(
      (path): HttpCase => ({ kind: "http", method: "GET", path, headers: {} }),
    ),
    weight: 1,
  },
);

const MAX_WEBHOOK_ANSWER = 16_384;

export interface WebhookCase {
  readonly kind: "webhook";
  /** What the user sends to bot@<bridge>: a message asking for a receipt, or an iq get. */
  readonly inbound: "message" | "iq";
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: Buffer;
}

export const webhookCase: fc.Arbitrary<WebhookCase> = fc
  .tuple(
    fc.constantFrom("message", "iq"),
    fc.oneof(
      { arbitrary: fc.constant(200), weight: 8 },
      { arbitrary: fc.constantFrom(201, 202, 204, 301, 400, 404, 429, 500, 503), weight: 2 },
      {
        arbitrary: fc.integer({ min: 100, max: 599 }).filter((s) => s !== 101 && s >= 200),
        weight: 1,
      },
    ),
    fc.oneof(
      { arbitrary: fc.constantFrom(...CONTENT_TYPES), weight: 8 },
      { arbitrary: fc.constantFrom(undefined, "application/octet-stream", "text/html"), weight: 1 },
    ),
  )
  .chain(([inbound, status, type]) =>
    bodyFor(type ?? "text/plain")
      // Replies reach the in-process user: big ones would measure its parser, not the bridge.
      // Oversized answers are covered by the regression tests.
      .filter((body) => body.length <= MAX_WEBHOOK_ANSWER)
      .map((body) =>
        // Answers are replies: the corpus stanza's root becomes the inbound kind half the time.
        body.startsWith("<message") && inbound === "iq" ? body.replace(/^<message/, "<iq") : body,
      )
      .chain(bytesOf)
      .map((body): WebhookCase => ({ kind: "webhook", inbound, status, contentType: type, body })),
  );

export const fuzzCase: fc.Arbitrary<HttpCase | WebhookCase> = fc.oneof(
  { arbitrary: httpCase, weight: 4 },
  { arbitrary: webhookCase, weight: 1 },
);
