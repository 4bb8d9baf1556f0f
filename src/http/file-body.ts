/**
 * The file a `POST .../files` carries, streamed: the raw body (its Content-Type is the
 * file's), or a `multipart/form-data` body with one file part and small fields (`caption`,
 * `to`, `name`, `replyTo`). An upload service needs the size before the bytes (XEP-0363 §4),
 * so a body of unknown length (chunked, or multipart) is written to a temporary file first,
 * checked against the limit as it comes; a raw body with a Content-Length goes straight
 * through. Never the whole file in memory.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Context } from "hono";
import { badRequest, tooLarge } from "../stanza/errors.js";
import { boundaryOf, readMultipart } from "./multipart.js";

export interface FileRequest {
  readonly body: Readable;
  readonly size: number;
  readonly mediaType: string;
  /** The multipart part's filename, if any. */
  readonly filename: string | undefined;
  /** The multipart fields (none for a raw body). */
  readonly fields: Readonly<Record<string, string>>;
  /** Removes what was written to disk; call it in every case. */
  dispose(): Promise<void>;
}

const OCTETS = "application/octet-stream";
/** The largest multipart field (a caption, a JID, a name), bytes. */
const FIELD_LIMIT = 64 * 1024;

/** The request's body as a Node stream (straight from the socket under @hono/node-server). */
function bodyStream(c: Context): Readable {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (incoming) return incoming;
  const web = c.req.raw.body;
  if (!web) throw badRequest("the file is the request body, and there is none");
  return Readable.fromWeb(web as import("node:stream/web").ReadableStream);
}

/** Counts bytes through, failing past `limit`. */
function capped(limit: number, counted: { bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      counted.bytes += chunk.length;
      if (counted.bytes > limit) done(tooLarge(`the file is larger than ${limit} bytes`));
      else done(null, chunk);
    },
  });
}

/** Reads the file of a request; 413 past `limit` bytes (before reading when the length is declared). */
export async function readFileRequest(c: Context, limit: number): Promise<FileRequest> {
  const contentType = c.req.header("content-type") ?? OCTETS;
  const declared = c.req.header("content-length");
  const multipart = /^multipart\/form-data/i.test(contentType);
  if (!multipart && declared !== undefined && /^\d+$/.test(declared)) {
    const size = Number(declared);
    if (size > limit) throw tooLarge(`the file is ${size} bytes; at most ${limit} are taken`);
    const counted = { bytes: 0 };
    const body = bodyStream(c).pipe(capped(size, counted));
    return {
      body,
      size,
      mediaType: contentType,
      filename: undefined,
      fields: {},
      dispose: async () => {},
    };
  }
  const dir = await mkdtemp(join(tmpdir(), "xmpp-rest-file-"));
  const path = join(dir, "file");
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    if (multipart) {
      const parts = await readMultipart(bodyStream(c), boundaryOf(contentType), path, {
        fileBytes: limit,
        fieldBytes: FIELD_LIMIT,
      });
      if (!parts.file)
        throw badRequest("the multipart body has no file part (a part with a filename)");
      return {
        body: createReadStream(path),
        size: parts.file.size,
        mediaType: parts.file.contentType ?? OCTETS,
        filename: parts.file.filename,
        fields: parts.fields,
        dispose,
      };
    }
    const counted = { bytes: 0 };
    await pipeline(bodyStream(c), capped(limit, counted), createWriteStream(path));
    return {
      body: createReadStream(path),
      size: counted.bytes,
      mediaType: contentType,
      filename: undefined,
      fields: {},
      dispose,
    };
  } catch (err) {
    await dispose();
    throw err;
  }
}
