import xml from "@xmpp/xml";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { FORM, JSON_TYPE, negotiate, TEXT, XMPP_XML } from "../formats/negotiate.js";
import type { StanzaError } from "../stanza/errors.js";
import { NS } from "../stanza/ns.js";

/** The JSON error body (mod_rest's shape). */
export function errorJson(err: StanzaError) {
  return {
    type: "error",
    code: err.status,
    error: { type: err.type, condition: err.condition, ...(err.text ? { text: err.text } : {}) },
  };
}

/** The XML error body: a stream-error element, as mod_rest answers. */
export function errorXml(err: StanzaError): string {
  const el = xml("error", { xmlns: NS.streams }, [xml(err.condition, { xmlns: NS.streamErrors })]);
  if (err.text) el.append(xml("text", { xmlns: NS.streamErrors }, err.text));
  return el.toString();
}

/** The form error body: the JSON body's fields, nested ones with dotted keys. */
export function errorForm(err: StanzaError): string {
  const params = new URLSearchParams({
    type: "error",
    code: String(err.status),
    "error.type": err.type,
    "error.condition": err.condition,
  });
  if (err.text) params.set("error.text", err.text);
  return params.toString();
}

const ERROR_TYPES = [TEXT, JSON_TYPE, XMPP_XML, FORM] as const;

/**
 * Renders a StanzaError in the format the request's Accept asks for; without one (or with
 * only the any-type wildcard), in the request's own format (a JSON request gets a JSON error, a form request
 * a form); plain text when neither says.
 */
export function errorResponse(c: Context, err: StanzaError, headers: Record<string, string> = {}) {
  const format = negotiate(c.req.header("accept"), c.req.header("content-type"), ERROR_TYPES);
  const status = err.status as ContentfulStatusCode;
  if (format === JSON_TYPE) return c.json(errorJson(err), status, headers);
  if (format === FORM) {
    return c.body(errorForm(err), status, { ...headers, "content-type": `${FORM}; charset=utf-8` });
  }
  if (format === XMPP_XML) {
    return c.body(errorXml(err), status, {
      ...headers,
      "content-type": `${XMPP_XML}; charset=utf-8`,
    });
  }
  const text = err.text ? `${err.condition}: ${err.text}\n` : `${err.condition}\n`;
  return c.text(text, status, headers);
}
