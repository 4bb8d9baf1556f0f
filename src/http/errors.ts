import xml from "@xmpp/xml";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { JSON_TYPE, negotiate, TEXT, XMPP_XML } from "../formats/negotiate.js";
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
  const el = xml("error", { xmlns: "http://etherx.jabber.org/streams" }, [
    xml(err.condition, { xmlns: NS.streamErrors }),
  ]);
  if (err.text) el.append(xml("text", { xmlns: NS.streamErrors }, err.text));
  return el.toString();
}

/** Renders a StanzaError in the format the request's Accept asks for (JSON, XML or text). */
export function errorResponse(c: Context, err: StanzaError, headers: Record<string, string> = {}) {
  const format = negotiate(c.req.header("accept"), undefined, [TEXT, JSON_TYPE, XMPP_XML]);
  const status = err.status as ContentfulStatusCode;
  if (format === JSON_TYPE) return c.json(errorJson(err), status, headers);
  if (format === XMPP_XML) {
    return c.body(errorXml(err), status, {
      ...headers,
      "content-type": `${XMPP_XML}; charset=utf-8`,
    });
  }
  const text = err.text ? `${err.condition}: ${err.text}\n` : `${err.condition}\n`;
  return c.text(text, status, headers);
}
