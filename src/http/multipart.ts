/**
 * A `multipart/form-data` body (RFC 7578) read as it streams: its small fields in memory,
 * its one file part written to a file as it arrives (never whole in memory), with limits on
 * both. Enough of RFC 2046 §5.1 for what browsers and HTTP clients send: the boundary from
 * the Content-Type, CRLF line ends, `Content-Disposition: form-data; name=...; filename=...`.
 */
import { createWriteStream, type WriteStream } from "node:fs";
import type { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import { badRequest, tooLarge, unprocessable } from "../stanza/errors.js";

export interface SpooledFile {
  readonly path: string;
  readonly size: number;
  /** The part's filename (RFC 7578 §4.2). */
  readonly filename: string | undefined;
  readonly contentType: string | undefined;
}

export interface MultipartBody {
  /** The fields that are not files, by name (the last one wins). */
  readonly fields: Readonly<Record<string, string>>;
  readonly file: SpooledFile | undefined;
}

export interface MultipartLimits {
  /** The largest file, bytes: one more is a 413. */
  readonly fileBytes: number;
  /** The largest field, bytes. */
  readonly fieldBytes: number;
}

/** The boundary a multipart/form-data Content-Type names; 400 when it names none. */
export function boundaryOf(contentType: string): string {
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary || boundary.length > 70) {
    throw badRequest("multipart/form-data needs a boundary (RFC 2046 §5.1.1)");
  }
  return boundary;
}

interface PartHeaders {
  readonly name: string;
  readonly filename: string | undefined;
  readonly contentType: string | undefined;
}

function parsePartHeaders(text: string): PartHeaders {
  let disposition = "";
  let contentType: string | undefined;
  for (const line of text.split("\r\n")) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "content-disposition") disposition = value;
    else if (name === "content-type") contentType = value;
  }
  const param = (key: string) =>
    new RegExp(`;\\s*${key}="((?:[^"\\\\]|\\\\.)*)"`, "i").exec(disposition)?.[1] ??
    new RegExp(`;\\s*${key}=([^;\\s]+)`, "i").exec(disposition)?.[1];
  const name = param("name");
  if (!/^form-data\b/i.test(disposition) || name === undefined) {
    throw badRequest("a multipart part without Content-Disposition: form-data; name=...");
  }
  return { name, filename: param("filename"), contentType };
}

/**
 * Reads the body: fields into memory, the one file part to `filePath`. Throws 400 for a
 * malformed body, 413 past a limit, 422 for a second file; the caller removes the file.
 */
export async function readMultipart(
  body: Readable,
  boundary: string,
  filePath: string,
  limits: MultipartLimits,
): Promise<MultipartBody> {
  // Every delimiter is CRLF--boundary; a CRLF put before the body makes the first one match too.
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const fields: Record<string, string> = {};
  let file: SpooledFile | undefined;
  let buffer = Buffer.from("\r\n");
  let state: "preamble" | "headers" | "content" | "done" = "preamble";
  let part: PartHeaders | undefined;
  let field: Buffer[] = [];
  let fieldSize = 0;
  let out: WriteStream | undefined;
  let written = 0;

  const emit = async (bytes: Buffer) => {
    if (bytes.length === 0 || !part) return;
    if (out) {
      written += bytes.length;
      if (written > limits.fileBytes) {
        throw tooLarge(`the file is larger than ${limits.fileBytes} bytes`);
      }
      if (!out.write(bytes))
        await new Promise<void>((resolve) => out?.once("drain", () => resolve()));
      return;
    }
    fieldSize += bytes.length;
    if (fieldSize > limits.fieldBytes) {
      throw tooLarge(`field "${part.name}" is larger than ${limits.fieldBytes} bytes`);
    }
    field.push(bytes);
  };

  const endPart = async () => {
    if (!part) return;
    if (out) {
      const stream = out;
      out = undefined;
      stream.end();
      await finished(stream);
      file = {
        path: filePath,
        size: written,
        filename: part.filename,
        contentType: part.contentType,
      };
    } else {
      fields[part.name] = Buffer.concat(field).toString("utf8");
    }
    part = undefined;
  };

  const startPart = (headers: PartHeaders) => {
    part = headers;
    field = [];
    fieldSize = 0;
    if (headers.filename !== undefined) {
      if (file || out) throw unprocessable("one file per request");
      out = createWriteStream(filePath);
    }
  };

  try {
    for await (const chunk of body) {
      buffer = Buffer.concat([buffer, chunk as Buffer]);
      for (;;) {
        if (state === "done") break;
        if (state === "headers") {
          const end = buffer.indexOf("\r\n\r\n");
          if (end < 0) {
            if (buffer.length > 16_384) throw badRequest("multipart part headers too long");
            break;
          }
          startPart(parsePartHeaders(buffer.subarray(0, end).toString("utf8")));
          buffer = buffer.subarray(end + 4);
          state = "content";
          continue;
        }
        const at = buffer.indexOf(delimiter);
        if (at < 0) {
          // Keep what could be the start of a delimiter split over two chunks.
          const safe = Math.max(0, buffer.length - delimiter.length - 1);
          if (state === "content") await emit(buffer.subarray(0, safe));
          buffer = buffer.subarray(safe);
          break;
        }
        const after = at + delimiter.length;
        if (buffer.length < after + 2) break;
        if (state === "content") {
          await emit(buffer.subarray(0, at));
          await endPart();
        }
        const tail = buffer.subarray(after, after + 2).toString("latin1");
        buffer = buffer.subarray(after + 2);
        state = tail === "--" ? "done" : "headers";
        if (tail !== "--" && tail !== "\r\n") throw badRequest("malformed multipart delimiter");
      }
    }
  } finally {
    out?.destroy();
  }
  if (state !== "done") throw badRequest("the multipart body ends before its closing delimiter");
  return { fields, file };
}
