/**
 * mod_rest's API: POST /rest (and its path form) sends a stanza, an iq waits for its
 * reply; GET /rest/{query}/{to} builds common iqs from the path. This is the hot path:
 * bodies are read raw (../body.ts) and decoded by the format codecs, never by zod; the
 * operations are in the spec through documentedRoute().
 */
import { type RouteConfig, z } from "@hono/zod-openapi";
import type { Element } from "@xmpp/xml";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { botOfAddress, type Principal } from "../../bots/registry.js";
import type { Config } from "../../config.js";
import { type BatchResult, encodeBatchResults } from "../../formats/batch.js";
import {
  type BatchItem,
  codecFor,
  type Decoded,
  type DecodedBatch,
  type PathHints,
  REQUEST_TYPES,
  RESPONSE_TYPES,
} from "../../formats/index.js";
import { jsonToStanza } from "../../formats/json/index.js";
import { JSON_TYPE, mediaTypeOf, negotiate, XMPP_XML } from "../../formats/negotiate.js";
import { GET_QUERIES, queryToJson } from "../../formats/queries.js";
import { serializeForServer } from "../../formats/wire.js";
import { StanzaError } from "../../stanza/errors.js";
import { bareJid, createJidParser, jidToString, parseJid } from "../../stanza/jid.js";
import { STANZA_KIND_LIST } from "../../stanza/kinds.js";
import { type OutgoingRules, prepareOutgoing } from "../../stanza/outgoing.js";
import { linkDownError } from "../../xmpp/link.js";
import { requestIq } from "../../xmpp/request-iq.js";
import { readBody } from "../body.js";
import { authErrors, bearerSecurity, ErrorBody, errorResponse, MEDIA } from "../schemas.js";
import { parseTimeoutHeader } from "../timeout-header.js";
import { forbidden } from "./access.js";
import { type AppEnv, type BridgeApp, documentedRoute, type RouteDeps } from "./index.js";

type Status = ContentfulStatusCode;

/** What one delivered stanza got: 202 (message, presence) or the iq's reply and its status. */
interface Delivered {
  readonly status: number;
  readonly stanzas: readonly Element[];
}

/** Formats a batch is answered in (a form holds no list). */
const BATCH_TYPES = [XMPP_XML, JSON_TYPE] as const;
type RestContext = Context<AppEnv>;

function iqTimeoutMs(c: RestContext, config: Config): number {
  const header = c.req.header("prosody-rest-timeout") ?? c.req.header("rest-timeout");
  return parseTimeoutHeader(header, config.iqTimeoutMs, config.iqMaxTimeoutMs);
}

export function registerRest(
  app: BridgeApp,
  { config, link, iqs, auth, bots }: Pick<RouteDeps, "config" | "link" | "iqs" | "auth" | "bots">,
): void {
  const requireLink = () => {
    if (link.state !== "online") throw linkDownError(link.retryAfterSeconds());
  };

  const respond = (c: RestContext, stanzas: readonly Element[], status: Status) => {
    const format = negotiate(c.req.header("accept"), c.req.header("content-type"), RESPONSE_TYPES);
    const codec = codecFor(format);
    if (!codec) throw new Error(`no codec for ${format}`);
    const [only] = stanzas;
    const body = stanzas.length === 1 && only ? codec.encode(only) : codec.encodeMany(stanzas);
    return c.body(body, status, { "content-type": `${format}; charset=utf-8` });
  };

  const decodeRequest = async (
    c: RestContext,
    hints: PathHints,
  ): Promise<Decoded | DecodedBatch> => {
    const type = mediaTypeOf(c.req.header("content-type"));
    const codec = codecFor(type);
    if (!codec) {
      throw new StanzaError("cancel", "bad-format", {
        text: `unsupported media type; send one of ${REQUEST_TYPES.join(", ")}`,
        status: 415,
      });
    }
    return codec.decodeRequest(await readBody(c, config.stanzaSizeLimit), hints);
  };

  const parse = createJidParser();

  /**
   * A bot's token may only act as that bot (README, "Bots"): `from` defaults to
   * the bot's address and any other is refused before anything is sent.
   */
  const scope = (principal: Principal, stanza: Element): Element => {
    if (principal.kind !== "bot") return stanza;
    const from = parseJid(stanza.attrs.from ?? "");
    const address = `${principal.name}@${config.domain}`;
    if (!from || jidToString(bareJid(from)) !== address) {
      throw forbidden(`this token may only send as ${address} (any resource)`);
    }
    return stanza;
  };

  // An admin's rules are the same for every request: built once, not per stanza.
  const adminRules = { domain: config.domain, parseJid: parse, defaultFrom: config.domain };
  const adminSendRules = { ...adminRules, iqAnswers: true };
  const rulesFor = (principal: Principal, iqAnswers = false): OutgoingRules => {
    if (principal.kind !== "bot") return iqAnswers ? adminSendRules : adminRules;
    const defaultFrom = `${principal.name}@${config.domain}`;
    return { domain: config.domain, parseJid: parse, defaultFrom, iqAnswers };
  };

  const prepare = ({ stanza, namespace }: Decoded, principal: Principal) =>
    scope(principal, prepareOutgoing(stanza, namespace, rulesFor(principal, true)));

  /** An iq result or error is a pulling bot answering an iq it received, nothing else. */
  const claimAnswer = (stanza: Element): Element => {
    const bot = botOfAddress(bots.registry, stanza.attrs.from ?? "");
    if (!bot) {
      throw new StanzaError("modify", "invalid-xml", {
        text: "an iq must have type 'get' or 'set', unless a bot answers an iq it received",
        status: 422,
      });
    }
    return bots.inboundIqs.claim(stanza, bot.name);
  };

  const decode = async (c: RestContext, hints: PathHints) => {
    const decoded = await decodeRequest(c, hints);
    if ("batch" in decoded) {
      throw new StanzaError("modify", "bad-request", {
        text: "one stanza expected here, not a batch",
        status: 422,
      });
    }
    return prepare(decoded, c.get("principal"));
  };

  /**
   * Hands one prepared stanza to the server: a message or presence is done (202); an iq
   * waits for its reply, which comes back with its status (an error reply's by its condition).
   */
  const deliver = async (stanza: Element, timeoutMs: number): Promise<Delivered> => {
    const { type } = stanza.attrs;
    if (stanza.name === "iq" && (type === "result" || type === "error")) {
      await link.send(claimAnswer(stanza));
      return { status: 202, stanzas: [] };
    }
    if (stanza.name !== "iq") {
      await link.send(stanza);
      bots.recordOutgoing(stanza);
      return { status: 202, stanzas: [] };
    }
    const mamQueryId = stanza.getChild("query", "urn:xmpp:mam:2")?.attrs.queryid;
    const answer = await requestIq(link, iqs, stanza, timeoutMs, mamQueryId ? { mamQueryId } : {});
    const status =
      answer.reply.attrs.type === "error"
        ? (StanzaError.fromElement(answer.reply)?.status ?? 500)
        : 200;
    return { status, stanzas: [...answer.results, answer.reply] };
  };

  const send = async (c: RestContext, stanza: Element) => {
    requireLink();
    const timeoutMs = stanza.name === "iq" ? iqTimeoutMs(c, config) : 0;
    const { status, stanzas } = await deliver(stanza, timeoutMs);
    // Without the explicit length node-server would announce a chunked body.
    if (status === 202) return c.body(null, 202, { "content-length": "0" });
    return respond(c, stanzas, status as Status);
  };

  /** One batch item, sent as if alone; any StanzaError is that item's answer. */
  const sendItem = async (
    item: BatchItem,
    timeoutMs: number,
    principal: Principal,
  ): Promise<BatchResult> => {
    if (item instanceof StanzaError) return { status: item.status, error: item };
    let stanza: Element | undefined;
    try {
      stanza = prepare(item, principal);
      const id = stanza.attrs.id;
      return { id, ...(await deliver(stanza, timeoutMs)) };
    } catch (err) {
      if (!(err instanceof StanzaError)) throw err;
      return { id: stanza?.attrs.id, status: err.status, error: err };
    }
  };

  /**
   * A batch: every stanza validated and sent as if it came alone, in order, and answered
   * 200 with one result per stanza (README, "Batches"). Only a batch that cannot start (link
   * down, bad header) fails as a whole.
   */
  const sendBatch = async (c: RestContext, { batch }: DecodedBatch) => {
    requireLink();
    const timeoutMs = iqTimeoutMs(c, config);
    // Each item reaches link.send before the next one starts, so they leave in order.
    const principal = c.get("principal");
    const results = await Promise.all(batch.map((item) => sendItem(item, timeoutMs, principal)));
    const format = negotiate(c.req.header("accept"), c.req.header("content-type"), BATCH_TYPES);
    return c.body(encodeBatchResults(results, format), 200, {
      "content-type": `${format}; charset=utf-8`,
    });
  };

  // hono's `/rest/*` also matches `/rest` itself: one registration, so the check runs once
  // per request (with `/rest` registered too, POST /rest went through it twice).
  app.use("/rest/*", auth);

  documentedRoute(app, sendRoute, async (c) => {
    const decoded = await decodeRequest(c, {});
    return "batch" in decoded
      ? sendBatch(c, decoded)
      : send(c, prepare(decoded, c.get("principal")));
  });

  // Debugging aid: the stanza exactly as it would be sent, without sending it.
  documentedRoute(app, echoRoute, async (c) => {
    const stanza = await decode(c, {});
    // "As it would be sent": the same gate as the link, which also bounds what is echoed
    // (a namespace repeated on 20,000 elements would otherwise be written out in full).
    serializeForServer(stanza, config.serverStanzaLimit);
    return respond(c, [stanza], 200);
  });

  // A full JID's resource may hold slashes, so `to` takes the rest of the path.
  documentedRoute(
    app,
    pathSendRoute,
    async (c) => {
      const { kind, type, to } = c.req.param() as { kind: string; type: string; to: string };
      return send(c, await decode(c, { kind, type, to }));
    },
    "/rest/:kind/:type/:to{.+}",
  );

  documentedRoute(
    app,
    queryRoute,
    async (c) => {
      const { query, to } = c.req.param() as { query: string; to: string };
      const json = queryToJson(query, to, new URL(c.req.url).searchParams);
      const principal = c.get("principal");
      const stanza = prepareOutgoing(jsonToStanza(json), "", rulesFor(principal));
      return send(c, scope(principal, stanza));
    },
    "/rest/:query/:to{.+}",
  );
}

// ---- The spec of these operations (documentation only: no zod runs on /rest requests).

const StanzaXml = z.string().openapi({
  description: "One stanza (message, presence or iq), no XML declaration",
  example: '<message to="alice@example.org" type="chat"><body>Hello!</body></message>',
});

const StanzaJson = z
  .object({
    kind: z.enum(STANZA_KIND_LIST).optional(),
    type: z.string().optional(),
    to: z.string().openapi({ description: "Recipient JID (required)" }),
    from: z.string().optional().openapi({
      description:
        "The component's domain or a JID at it; with a bot's token, that bot's address (its default)",
    }),
    id: z.string().optional(),
    body: z.string().optional(),
  })
  .catchall(z.unknown())
  .openapi("StanzaJson", {
    description: "A stanza in mod_rest's JSON mapping (README, 'The JSON mapping')",
    example: { kind: "message", type: "chat", to: "alice@example.org", body: "Hello!" },
  });

const StanzaForm = z
  .record(z.string(), z.string())
  .openapi({ description: "The flat fields of the JSON mapping (kind, type, to, body, ...)" });

const BatchJson = z.object({ xmpp: z.array(StanzaJson).min(1) }).openapi("BatchJson", {
  description: "Several stanzas, each checked and sent as if alone, in order (README, 'Batches')",
});

const BatchResults = z
  .object({
    results: z.array(
      z.object({
        status: z.number().int().openapi({ description: "What the stanza alone would have got" }),
        id: z.string().optional(),
        reply: z.unknown().optional().openapi({ description: "An iq's reply, as StanzaJson" }),
        error: ErrorBody.shape.error.optional(),
      }),
    ),
  })
  .openapi("BatchResults", { description: "One result per stanza of a batch, in order" });

const stanzaBody = {
  required: true,
  content: {
    [MEDIA.XMPP_XML]: { schema: StanzaXml },
    [MEDIA.JSON_TYPE]: { schema: StanzaJson },
    [MEDIA.FORM]: { schema: StanzaForm },
    [MEDIA.TEXT]: {
      schema: z.string().openapi({ description: "A chat message body", example: "Hello!" }),
    },
  },
};

/** POST /rest also takes a batch (not the path form, which names one recipient). */
const sendBody = {
  ...stanzaBody,
  content: {
    ...stanzaBody.content,
    [MEDIA.JSON_TYPE]: { schema: z.union([StanzaJson, BatchJson]) },
  },
};

const timeoutHeaders = z.object({
  "prosody-rest-timeout": z.string().optional().openapi({
    description:
      "Seconds an iq waits for its reply (also Rest-Timeout), capped at XMPP_REST_IQ_MAX_TIMEOUT",
    example: "10",
  }),
});

const replyContent = {
  [MEDIA.XMPP_XML]: { schema: StanzaXml },
  [MEDIA.JSON_TYPE]: { schema: StanzaJson },
  [MEDIA.FORM]: { schema: StanzaForm },
};

const sendErrors = {
  ...authErrors,
  400: errorResponse("Not well-formed, or a bad Prosody-Rest-Timeout header"),
  409: errorResponse("An iq with this id is already waiting"),
  413: errorResponse("Body larger than XMPP_REST_STANZA_SIZE_LIMIT"),
  415: errorResponse("Unsupported media type"),
  403: errorResponse(
    "The token is not accepted, or a bot's token tried to send from another address",
  ),
  422: errorResponse(
    "Not a stanza the bridge may send (addressing, namespace, iq shape; an iq result/error that answers no iq the bot received)",
  ),
  503: {
    ...errorResponse(
      "The XMPP link is down (Retry-After says when to retry), or too many iqs wait",
    ),
    headers: z.object({
      "retry-after": z
        .string()
        .optional()
        .openapi({ description: "Seconds until the link is expected back", example: "1" }),
    }),
  },
  504: errorResponse("No iq reply in time"),
  default: errorResponse("An iq's error reply, with the HTTP status of its condition"),
};

const singleResponses = {
  200: { description: "An iq's result (in the format Accept asks for)", content: replyContent },
  202: { description: "A message or presence, handed to the XMPP server" },
  ...sendErrors,
};

const sendResponses = {
  ...singleResponses,
  200: {
    description:
      "An iq's result (in the format Accept asks for), or a batch's results (JSON or XML)",
    content: {
      ...replyContent,
      [MEDIA.JSON_TYPE]: { schema: z.union([StanzaJson, BatchResults]) },
    },
  },
};

const sendRoute = {
  method: "post",
  path: "/rest",
  tags: ["rest"],
  summary: "Send a stanza",
  description:
    "A message or presence is answered 202 once handed to the server; an iq waits for its reply and returns it. A batch ({\"xmpp\": [...]} in JSON, an <xmpp> wrapper in XML) is answered 200 with one result per stanza (README, 'Batches').",
  security: bearerSecurity,
  request: { headers: timeoutHeaders, body: sendBody },
  responses: sendResponses,
} satisfies RouteConfig;

const echoRoute = {
  method: "post",
  path: "/rest/echo",
  tags: ["rest"],
  summary: "Show the stanza as it would be sent, without sending it",
  security: bearerSecurity,
  request: { body: stanzaBody },
  responses: {
    200: { description: "The prepared stanza", content: replyContent },
    ...authErrors,
    400: sendErrors[400],
    413: sendErrors[413],
    415: sendErrors[415],
    422: sendErrors[422],
  },
} satisfies RouteConfig;

const pathSendRoute = {
  method: "post",
  path: "/rest/{kind}/{type}/{to}",
  tags: ["rest"],
  summary: "Send a stanza, its kind, type and recipient given by the path",
  description:
    "The body is the payload: for text/plain a message body (or a presence show). `to` takes the rest of the path, so a full JID's resource may contain slashes.",
  security: bearerSecurity,
  request: {
    params: z.object({
      kind: z.enum(STANZA_KIND_LIST),
      type: z.string().openapi({ example: "chat" }),
      to: z.string().openapi({ example: "alice@example.org" }),
    }),
    headers: timeoutHeaders,
    body: stanzaBody,
  },
  responses: singleResponses,
} satisfies RouteConfig;

const queryRoute = {
  method: "get",
  path: "/rest/{query}/{to}",
  tags: ["rest"],
  summary: "Send a common iq built from the path and wait for its reply",
  description:
    "For archive, query parameters fill the XEP-0313 form and XEP-0059 paging (max, before, after).",
  security: bearerSecurity,
  request: {
    params: z.object({
      query: z.enum(GET_QUERIES as [string, ...string[]]),
      to: z.string().openapi({ example: "example.org" }),
    }),
    headers: timeoutHeaders,
  },
  responses: {
    200: singleResponses[200],
    ...sendErrors,
  },
} satisfies RouteConfig;
