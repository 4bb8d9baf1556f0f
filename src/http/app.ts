import type { Element } from "@xmpp/xml";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Config } from "../config.js";
import { codecFor, type PathHints, supportedTypes } from "../formats/index.js";
import { mediaTypeOf, negotiate } from "../formats/negotiate.js";
import type { Logger } from "../log.js";
import { httpStatusForCondition, StanzaError } from "../stanza/errors.js";
import { prepareOutgoing } from "../stanza/outgoing.js";
import type { IqTracker } from "../xmpp/iq-tracker.js";
import { type Link, linkDownError } from "../xmpp/link.js";
import { bearerAuth } from "./auth.js";
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
    throw new StanzaError(
      "modify",
      "bad-request",
      "Prosody-Rest-Timeout must be a positive number of seconds",
      400,
    );
  }
  return Math.min(Math.round(seconds * 1000), config.iqMaxTimeoutMs);
}

export function createApp({ config, link, iqs, log }: AppDeps): Hono {
  const app = new Hono();

  const requireLink = () => {
    if (link.state !== "online") throw linkDownError(link.retryAfterSeconds());
  };

  const respondWithStanza = (c: Context, stanza: Element, status: Status) => {
    const format = negotiate(
      c.req.header("accept"),
      c.req.header("content-type"),
      supportedTypes(),
    );
    const codec = codecFor(format);
    if (!codec) throw new Error(`no codec for ${format}`);
    return c.body(codec.encode(stanza), status, { "content-type": `${format}; charset=utf-8` });
  };

  const decode = async (c: Context, hints: PathHints) => {
    const type = mediaTypeOf(c.req.header("content-type"));
    const codec = codecFor(type);
    if (!codec) {
      throw new StanzaError(
        "cancel",
        "bad-format",
        `unsupported media type; send one of ${supportedTypes().join(", ")}`,
        415,
      );
    }
    const { stanza, namespace } = codec.decode(await c.req.text(), hints);
    return prepareOutgoing(stanza, namespace, { domain: config.domain });
  };

  const send = async (c: Context, stanza: Element) => {
    requireLink();
    if (stanza.name !== "iq") {
      await link.send(stanza);
      return c.body(null, 202);
    }
    const { id = "", to = "" } = stanza.attrs;
    const reply = iqs.expect(id, to, iqTimeoutMs(c, config));
    try {
      await link.send(stanza);
    } catch (err) {
      iqs.cancel(id, err instanceof StanzaError ? err : linkDownError(link.retryAfterSeconds()));
    }
    const answer = await reply;
    const condition = answer
      .getChild("error")
      ?.getChildElements()
      .find((el) => el.name !== "text")?.name;
    const status =
      answer.attrs.type === "error"
        ? httpStatusForCondition(condition ?? "undefined-condition")
        : 200;
    return respondWithStanza(c, answer, status as Status);
  };

  app.onError((err, c) => {
    if (err instanceof StanzaError) {
      const headers: Record<string, string> =
        err.status === 503 && link.state !== "online"
          ? { "retry-after": String(link.retryAfterSeconds()) }
          : {};
      return errorResponse(c, err, headers);
    }
    log.error("request failed", { method: c.req.method, path: c.req.path, err });
    return errorResponse(
      c,
      new StanzaError("wait", "internal-server-error", "internal error", 500),
    );
  });

  app.notFound((c) =>
    errorResponse(c, new StanzaError("cancel", "item-not-found", "no such endpoint", 404)),
  );

  app.get("/health", (c) => {
    const online = link.state === "online";
    return c.json(
      { xmpp: online ? "online" : link.state, pendingIq: iqs.size },
      online ? 200 : 503,
    );
  });

  const auth = bearerAuth(config.tokens);
  const limit = bodyLimit({
    maxSize: config.stanzaSizeLimit,
    onError: (c) =>
      errorResponse(
        c,
        new StanzaError(
          "modify",
          "resource-constraint",
          `payload larger than ${config.stanzaSizeLimit} bytes`,
          413,
        ),
      ),
  });
  app.use("/rest", auth, limit);
  app.use("/rest/*", auth, limit);

  app.post("/rest", async (c) => send(c, await decode(c, {})));

  return app;
}
