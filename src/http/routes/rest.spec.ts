/**
 * The spec of mod_rest's operations (documentation only: no zod runs on /rest requests, whose
 * bodies the format codecs read; see ./rest.ts).
 */
import { type RouteConfig, z } from "@hono/zod-openapi";
import { GET_QUERIES } from "../../formats/queries.js";
import { STANZA_KIND_LIST } from "../../stanza/kinds.js";
import { authErrors, bearerSecurity, ErrorBody, errorResponse, MEDIA } from "../schemas.js";

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

export const sendRoute = {
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

export const echoRoute = {
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

export const pathSendRoute = {
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

export const queryRoute = {
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
