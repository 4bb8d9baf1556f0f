import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { boundaryOf, readMultipart } from "../../../src/http/multipart.js";

const BOUNDARY = "----xmpp-rest-test-boundary";
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "multipart-test-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function body(file: Buffer, caption = "a caption"): Buffer {
  return Buffer.concat([
    Buffer.from(
      `preamble\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="caption"\r\n\r\n${caption}\r\n`,
    ),
    Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a b.png"\r\nContent-Type: image/png\r\n\r\n`,
    ),
    file,
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);
}

/** The body in chunks of the given sizes, cycling. */
function chunked(bytes: Buffer, sizes: number[]): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length] ?? 1;
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return Readable.from(chunks);
}

describe("multipart/form-data, streamed", () => {
  it.each([[[1]], [[7, 3, 64]], [[65_536]]])(
    "reads the fields and writes the file whole, whatever the chunks (%j)",
    async (sizes) => {
      // Bytes that look like a delimiter's start inside the file must stay in it.
      const file = Buffer.concat([
        randomBytes(5000),
        Buffer.from(`\r\n--${BOUNDARY.slice(0, 10)}`),
        randomBytes(100),
      ]);
      const path = join(dir, "file");
      const parts = await readMultipart(chunked(body(file), sizes), BOUNDARY, path, {
        fileBytes: 1e6,
        fieldBytes: 1000,
      });
      expect(parts.fields).toEqual({ caption: "a caption" });
      expect(parts.file).toMatchObject({
        size: file.length,
        filename: "a b.png",
        contentType: "image/png",
      });
      expect((await readFile(path)).equals(file)).toBe(true);
    },
  );

  it("refuses a file over the limit with 413, and a field over its limit", async () => {
    const path = join(dir, "file");
    await expect(
      readMultipart(chunked(body(randomBytes(2000)), [100]), BOUNDARY, path, {
        fileBytes: 1000,
        fieldBytes: 1000,
      }),
    ).rejects.toMatchObject({ status: 413 });
    await expect(
      readMultipart(chunked(body(randomBytes(10), "x".repeat(2000)), [100]), BOUNDARY, path, {
        fileBytes: 1000,
        fieldBytes: 1000,
      }),
    ).rejects.toMatchObject({ status: 413 });
  });

  it("refuses a body cut off before its end, and a Content-Type without a boundary", async () => {
    const whole = body(randomBytes(100));
    await expect(
      readMultipart(chunked(whole.subarray(0, whole.length - 10), [50]), BOUNDARY, join(dir, "f"), {
        fileBytes: 1e6,
        fieldBytes: 1000,
      }),
    ).rejects.toMatchObject({ status: 400 });
    expect(() => boundaryOf("multipart/form-data")).toThrow(/boundary/);
    expect(boundaryOf(`multipart/form-data; boundary="${BOUNDARY}"`)).toBe(BOUNDARY);
  });
});
