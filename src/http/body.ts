import type { IncomingMessage } from "node:http";
import type { Context } from "hono";
import { badRequest, type StanzaError, tooLarge } from "../stanza/errors.js";

function overLimit(limit: number): StanzaError {
  return tooLarge(`payload larger than ${limit} bytes`);
}

/**
 * Reads a request body as UTF-8, refusing it (413) as soon as it passes `limit`
 * bytes: a declared Content-Length over the limit is refused before reading, and
 * a chunked body is cut off at the limit rather than buffered whole.
 *
 * Under @hono/node-server the body is read straight from the Node request: going
 * through the Web `Request` body stream (as hono's bodyLimit does) costs more CPU
 * than parsing and sending the stanza.
 */
export async function readBody(c: Context, limit: number): Promise<string> {
  const declared = c.req.header("content-length");
  if (declared !== undefined && Number(declared) > limit) throw overLimit(limit);
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (incoming) return readIncoming(incoming, limit);
  return readWebStream(c.req.raw.body, limit);
}

function readIncoming(incoming: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      incoming.off("data", onData);
      incoming.off("end", onEnd);
      incoming.off("error", onError);
      incoming.off("aborted", onAborted);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        incoming.pause();
        reject(overLimit(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(
        chunks.length === 1
          ? (chunks[0] as Buffer).toString("utf8")
          : Buffer.concat(chunks).toString("utf8"),
      );
    };
    const onError = (err: Error) => {
      cleanup();
      reject(badRequest(`request body unreadable: ${err.message}`));
    };
    const onAborted = () => onError(new Error("client went away"));
    incoming.on("data", onData);
    incoming.on("end", onEnd);
    incoming.on("error", onError);
    incoming.on("aborted", onAborted);
  });
}

async function readWebStream(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
): Promise<string> {
  if (!body) return "";
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      throw overLimit(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
