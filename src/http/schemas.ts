/**
 * Schemas shared by every route's OpenAPI definition: the error body, the bearer
 * security scheme, and the media types the bridge speaks. Route modules import
 * from here so that the spec says one thing one way.
 */
import { z } from "@hono/zod-openapi";
import { FORM, JSON_TYPE, TEXT, XMPP_XML } from "../formats/negotiate.js";
import { STANZA_ERROR_TYPE_LIST } from "../stanza/errors.js";

/** Name of the bearer security scheme in `components.securitySchemes`. */
export const BEARER = "bearer";

/** `security` of an operation that needs one of the configured tokens. */
export const bearerSecurity = [{ [BEARER]: [] }];

/** Name of the Basic security scheme (users who log in themselves, README "Accounts"). */
export const BASIC = "basic";

/** `security` of an operation that takes a token or an account's Basic credentials. */
export const accountSecurity: Record<string, string[]>[] = [{ [BEARER]: [] }, { [BASIC]: [] }];

/** The JSON error body (mod_rest's shape); see errorJson() in ./errors.ts. */
export const ErrorBody = z
  .object({
    type: z.literal("error"),
    code: z.number().int().openapi({ description: "The HTTP status, repeated", example: 404 }),
    error: z.object({
      type: z
        .enum(STANZA_ERROR_TYPE_LIST)
        .openapi({ description: "XMPP error type (RFC 6120 §8.3.2)" }),
      condition: z.string().openapi({
        description: "XMPP defined condition (RFC 6120 §8.3.3)",
        example: "item-not-found",
      }),
      text: z.string().optional(),
    }),
  })
  .openapi("Error", { description: "An error, as mod_rest reports it" });

const XmlText = z.string().openapi({ description: "XML" });
const PlainText = z.string();

/**
 * An error response in the three forms the bridge answers, chosen by Accept:
 * JSON, a stream-error element (application/xmpp+xml) or `condition: text` lines.
 */
export function errorResponse(description: string) {
  return {
    description,
    content: {
      [JSON_TYPE]: { schema: ErrorBody },
      [XMPP_XML]: { schema: XmlText },
      [TEXT]: { schema: PlainText },
    },
  };
}

/** The error responses every authenticated route can give. */
export const authErrors = {
  401: errorResponse("No bearer token (WWW-Authenticate says Bearer)"),
  403: errorResponse("The token is not accepted"),
} as const;

/** Errors a /v1 JSON body can get from its schema: not JSON at all (400), or not the shape (422). */
export const bodyErrors = {
  400: errorResponse("The body is not JSON"),
  415: errorResponse("The body is not application/json"),
  422: errorResponse("The JSON does not match the schema; the text says where"),
} as const;

export const MEDIA = { XMPP_XML, JSON_TYPE, FORM, TEXT } as const;
