/**
 * mod_rest's API: POST /rest (and its path form) sends a stanza, an iq waits for its
 * reply; GET /rest/{query}/{to} builds common iqs from the path. This is the hot path:
 * bodies are read raw (../body.ts) and decoded by the format codecs, never by zod; the
 * operations are in the spec (./rest.spec.ts) through documentedRoute(). What may be sent,
 * and how, is the outbound service's business: this module decodes and answers.
 */
import type { Element } from "@xmpp/xml";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Principal } from "../../access/principal.js";
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
import { queryToJson } from "../../formats/queries.js";
import { serializeForServer } from "../../formats/wire.js";
import type { Sent } from "../../outbound/index.js";
import { StanzaError, unprocessable, unsupportedMediaType } from "../../stanza/errors.js";
import { readBody } from "../body.js";
import { type AppEnv, type BridgeApp, documentedRoute, type RouteDeps } from "../env.js";
import { parseTimeoutHeader } from "../timeout-header.js";
import { echoRoute, pathSendRoute, queryRoute, sendRoute } from "./rest.spec.js";

type Status = ContentfulStatusCode;
type RestContext = Context<AppEnv>;

/** Formats a batch is answered in (a form holds no list). */
const BATCH_TYPES = [XMPP_XML, JSON_TYPE] as const;

export function registerRest(
  app: BridgeApp,
  { settings, outbound, auth }: Pick<RouteDeps, "settings" | "outbound" | "auth">,
): void {
  const iqTimeoutMs = (c: RestContext) => {
    const header = c.req.header("prosody-rest-timeout") ?? c.req.header("rest-timeout");
    return parseTimeoutHeader(header, settings.iqTimeoutMs, settings.iqMaxTimeoutMs);
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
      throw unsupportedMediaType(`unsupported media type; send one of ${REQUEST_TYPES.join(", ")}`);
    }
    return codec.decodeRequest(await readBody(c, settings.stanzaSizeLimit), hints);
  };

  const prepare = ({ stanza, namespace }: Decoded, principal: Principal) =>
    outbound.prepare(principal, stanza, { namespace, iqAnswers: true });

  const decodeOne = async (c: RestContext, hints: PathHints) => {
    const decoded = await decodeRequest(c, hints);
    if ("batch" in decoded) {
      throw unprocessable("one stanza expected here, not a batch");
    }
    return prepare(decoded, c.get("principal"));
  };

  const answer = (c: RestContext, { status, stanzas }: Sent) =>
    // Without the explicit length node-server would announce a chunked body.
    status === 202
      ? c.body(null, 202, { "content-length": "0" })
      : respond(c, stanzas, status as Status);

  const send = async (c: RestContext, stanza: Element) => {
    const timeoutMs = stanza.name === "iq" ? iqTimeoutMs(c) : 0;
    return answer(c, await outbound.send(c.get("principal"), stanza, { timeoutMs }));
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
      return { id, ...(await outbound.send(principal, stanza, { timeoutMs })) };
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
    const principal = c.get("principal");
    outbound.requireOnline(principal);
    const timeoutMs = iqTimeoutMs(c);
    // Each item reaches the connection before the next one starts, so they leave in order.
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
    const stanza = await decodeOne(c, {});
    outbound.checkScope(c.get("principal"), stanza);
    // "As it would be sent": the same gate as the link, which also bounds what is echoed
    // (a namespace repeated on 20,000 elements would otherwise be written out in full).
    serializeForServer(stanza, settings.serverStanzaLimit);
    return respond(c, [stanza], 200);
  });

  // A full JID's resource may hold slashes, so `to` takes the rest of the path.
  documentedRoute(
    app,
    pathSendRoute,
    async (c) => {
      const { kind, type, to } = c.req.param() as { kind: string; type: string; to: string };
      return send(c, await decodeOne(c, { kind, type, to }));
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
      return send(c, outbound.prepare(principal, jsonToStanza(json)));
    },
    "/rest/:query/:to{.+}",
  );
}
