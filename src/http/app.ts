import type { Element } from "@xmpp/xml";
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Config } from "../config.js";
import { codecFor, type PathHints, REQUEST_TYPES, RESPONSE_TYPES } from "../formats/index.js";
import { jsonToStanza } from "../formats/json/index.js";
import { mediaTypeOf, negotiate } from "../formats/negotiate.js";
import { queryToJson } from "../formats/queries.js";
import type { Logger } from "../log.js";
import { StanzaError } from "../stanza/errors.js";
import { prepareOutgoing } from "../stanza/outgoing.js";
import type { IqTracker } from "../xmpp/iq-tracker.js";
import { type Link, linkDownError } from "../xmpp/link.js";
import { bearerAuth } from "./auth.js";
import { readBody } from "./body.js";
import { errorResponse } from "./errors.js";

export interface AppDeps {
  readonly config: Config;
  readonly link: Link;
  readonly iqs: IqTracker;
  readonly log: Logger;
}

type Status = ContentfulStatusCode;

function iqTimeoutMs(c: Context, config: Config): number {
  const header = c.req.header("prosody-rest-timeout") ?? c.req.header("rest-timeout");
  if (header === undefined) return config.iqTimeoutMs;
  const seconds = Number(header);
  if (header.trim() === "" || !Number.isFinite(seconds) || seconds <= 0) {
    throw new StanzaError("modify", "bad-request", {
      text: "Prosody-Rest-Timeout must be a positive number of seconds",
      status: 400,
    });
  }
  return Math.min(Math.round(seconds * 1000), config.iqMaxTimeoutMs);
}

export function createApp({ config, link, iqs, log }: AppDeps): Hono {
  const app = new Hono();

  const requireLink = () => {
    if (link.state !== "online") throw linkDownError(link.retryAfterSeconds());
  };

  const respond = (c: Context, stanzas: readonly Element[], status: Status) => {
    const format = negotiate(c.req.header("accept"), c.req.header("content-type"), RESPONSE_TYPES);
    const codec = codecFor(format);
    if (!codec) throw new Error(`no codec for ${format}`);
    const [only] = stanzas;
    const body = stanzas.length === 1 && only ? codec.encode(only) : codec.encodeMany(stanzas);
    return c.body(body, status, { "content-type": `${format}; charset=utf-8` });
  };

  const decode = async (c: Context, hints: PathHints) => {
    const type = mediaTypeOf(c.req.header("content-type"));
    const codec = codecFor(type);
    if (!codec) {
      throw new StanzaError("cancel", "bad-format", {
        text: `unsupported media type; send one of ${REQUEST_TYPES.join(", ")}`,
        status: 415,
      });
    }
    const { stanza, namespace } = codec.decode(await readBody(c, config.stanzaSizeLimit), hints);
    return prepareOutgoing(stanza, namespace, { domain: config.domain });
  };

  const send = async (c: Context, stanza: Element) => {
    requireLink();
    if (stanza.name !== "iq") {
      await link.send(stanza);
      // Without the explicit length node-server would announce a chunked body.
      return c.body(null, 202, { "content-length": "0" });
    }
    const { id = "", to = "" } = stanza.attrs;
    const mamQueryId = stanza.getChild("query", "urn:xmpp:mam:2")?.attrs.queryid;
    const reply = iqs.expect(id, to, iqTimeoutMs(c, config), mamQueryId ? { mamQueryId } : {});
    try {
      await link.send(stanza);
    } catch (err) {
      iqs.cancel(id, err instanceof StanzaError ? err : linkDownError(link.retryAfterSeconds()));
    }
    const answer = await reply;
    const status =
      answer.reply.attrs.type === "error"
        ? (StanzaError.fromElement(answer.reply)?.status ?? 500)
        : 200;
    return respond(c, [...answer.results, answer.reply], status as Status);
  };

  app.onError((err, c) => {
    if (err instanceof StanzaError) {
      const headers: Record<string, string> = {};
      if (err.status === 503 && link.state !== "online") {
        headers["retry-after"] = String(link.retryAfterSeconds());
      }
      // The rest of an oversized body is not read: close rather than drain it.
      if (err.status === 413) headers.connection = "close";
      return errorResponse(c, err, headers);
    }
    log.error("request failed", { method: c.req.method, path: c.req.path, err });
    return errorResponse(
      c,
      new StanzaError("wait", "internal-server-error", { text: "internal error", status: 500 }),
    );
  });

  app.notFound((c) =>
    errorResponse(
      c,
      new StanzaError("cancel", "item-not-found", { text: "no such endpoint", status: 404 }),
    ),
  );

  app.get("/health", (c) => {
    const online = link.state === "online";
    return c.json(
      { xmpp: online ? "online" : link.state, pendingIq: iqs.size },
      online ? 200 : 503,
    );
  });

  const auth = bearerAuth(config.tokens);
  app.use("/rest", auth);
  app.use("/rest/*", auth);

  app.post("/rest", async (c) => send(c, await decode(c, {})));

  // Debugging aid: the stanza exactly as it would be sent, without sending it.
  app.post("/rest/echo", async (c) => respond(c, [await decode(c, {})], 200));

  // A full JID's resource may hold slashes, so `to` takes the rest of the path.
  app.post("/rest/:kind/:type/:to{.+}", async (c) => {
    const { kind, type, to } = c.req.param();
    return send(c, await decode(c, { kind, type, to }));
  });

  app.get("/rest/:query/:to{.+}", async (c) => {
    const { query, to } = c.req.param();
    const json = queryToJson(query, to, new URL(c.req.url).searchParams);
    const stanza = prepareOutgoing(jsonToStanza(json), "", { domain: config.domain });
    return send(c, stanza);
  });

  return app;
}
