/**
 * A big file through POST /v1/bots/{name}/files (XEP-0363 upload, then the message): upload
 * throughput and the bridge's peak RSS (VmHWM), for a raw body with a Content-Length (streamed
 * straight to the upload service) and for multipart/form-data (spooled to a temporary file
 * first). The bridge runs as its own process (src/main.ts through tsx) against the test
 * harness's Prosody with mod_http_file_share; the client streams the file from disk. The
 * baseline, in the same run: the same file PUT straight to a slot of the upload service
 * (asked for through POST /rest), without the bridge in the path.
 *
 * Run: node --import tsx bench/experiments/upload-file.ts [MiB=100]
 */
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { startProsody } from "../../test/helpers/prosody.js";
import { launchBridge, TOKEN } from "../lib/bridge.js";
import { Cleanup } from "../lib/procs.js";

const mib = Number(process.argv[2] ?? 100);
const size = mib * 1024 * 1024;

function memory(pid: number): { rss: number; peak: number } {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (key: string) => Number(text.match(new RegExp(`${key}:\\s+(\\d+)`))?.[1] ?? 0);
  return { rss: kib("VmRSS") / 1024, peak: kib("VmHWM") / 1024 };
}

/** Resets the peak (VmHWM) so the next reading is this upload's (Linux: write 5 to clear_refs). */
async function resetPeak(pid: number) {
  const { writeFile } = await import("node:fs/promises");
  await writeFile(`/proc/${pid}/clear_refs`, "5").catch(() => {});
}

/** An upload slot (XEP-0363 §4) asked for through POST /rest as the bot. */
async function askSlot(base: string, service: string) {
  const res = await fetch(`${base}/rest`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${TOKEN}`,
      "content-type": "application/json",
      accept: "application/xmpp+xml",
    },
    body: JSON.stringify({
      kind: "iq",
      type: "get",
      from: "bench@rest.localhost",
      to: service,
      upload_request: {
        filename: "direct.bin",
        size,
        "content-type": "application/octet-stream",
      },
    }),
  });
  const xmlText = await res.text();
  const put = xmlText.match(/<put url="([^"]+)"/)?.[1]?.replaceAll("&amp;", "&");
  if (!put) throw new Error(`no slot: ${res.status} ${xmlText.slice(0, 300)}`);
  const headers: Record<string, string> = {};
  for (const m of xmlText.matchAll(/<header name="([^"]+)">([^<]*)<\/header>/g))
    headers[m[1] ?? ""] = m[2] ?? "";
  return { put, headers };
}

/** One PUT of `file` to `url`; resolves the status. */
function put(url: string, headers: Record<string, string>, file: string) {
  return new Promise<number>((resolve, reject) => {
    const req = request(
      url,
      {
        method: "PUT",
        headers: {
          ...headers,
          "content-length": String(size),
          "content-type": "application/octet-stream",
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    createReadStream(file).pipe(req);
  });
}

/** One POST streaming `body` with these headers; resolves the status and the answer. */
function post(url: string, headers: Record<string, string>, body: Readable) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(url, { method: "POST", headers }, (res) => {
      let text = "";
      res.on("data", (d: Buffer) => {
        text += d.toString();
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    body.pipe(req);
  });
}

const cleanup = new Cleanup();
try {
  const dir = await mkdtemp(join(tmpdir(), "xmpp-rest-upload-bench-"));
  cleanup.add("files", () => rm(dir, { recursive: true, force: true }));
  const file = join(dir, "big.bin");
  await pipeline(
    Readable.from(
      (function* () {
        for (let left = size; left > 0; left -= 1 << 20) yield randomBytes(Math.min(left, 1 << 20));
      })(),
    ),
    createWriteStream(file),
  );
  const prosody = await startProsody({ users: [], uploadLimit: size + (1 << 20) });
  cleanup.add("prosody", () => prosody.stop());
  // The harness's Prosody is no bench Prosody: the bridge needs only where to connect.
  const bridge = await launchBridge({
    prosody: { ...prosody, pid: 0 },
    cpus: "0-1",
    main: undefined,
    cleanup,
  });
  const admin = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
  const made = await fetch(`${bridge.url}/v1/bots/bench`, {
    method: "PUT",
    headers: admin,
    body: "{}",
  });
  if (made.status !== 201 && made.status !== 200) throw new Error(`bot: ${made.status}`);
  const url = `${bridge.url}/v1/bots/bench/files?to=nobody@localhost&name=big.bin`;
  const idle = memory(bridge.pid);
  process.stdout.write(`bridge idle: rss ${idle.rss.toFixed(1)} MiB\n`);

  const slot = await askSlot(bridge.url, prosody.uploadDomain);
  const directStart = performance.now();
  const directStatus = await put(slot.put, slot.headers, file);
  const directSeconds = (performance.now() - directStart) / 1000;
  if (directStatus !== 201 && directStatus !== 200) throw new Error(`direct PUT: ${directStatus}`);
  process.stdout.write(
    `baseline, PUT straight to the slot: ${mib} MiB in ${directSeconds.toFixed(2)} s = ${(mib / directSeconds).toFixed(1)} MiB/s\n`,
  );

  const boundary = "xmpp-rest-bench-boundary";
  const variants = {
    "raw body, Content-Length": () =>
      post(
        url,
        {
          authorization: `Bearer ${TOKEN}`,
          "content-type": "application/octet-stream",
          "content-length": String(size),
        },
        createReadStream(file),
      ),
    "multipart/form-data (spooled)": () =>
      post(
        url,
        {
          authorization: `Bearer ${TOKEN}`,
          "content-type": `multipart/form-data; boundary=${boundary}`,
        },
        Readable.from(
          (async function* () {
            yield Buffer.from(
              `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
            );
            yield* createReadStream(file);
            yield Buffer.from(`\r\n--${boundary}--\r\n`);
          })(),
        ),
      ),
  };
  for (const [name, run] of Object.entries(variants)) {
    await resetPeak(bridge.pid);
    const started = performance.now();
    const answer = await run();
    const seconds = (performance.now() - started) / 1000;
    if (answer.status !== 202) throw new Error(`${name}: ${answer.status} ${answer.text}`);
    const after = memory(bridge.pid);
    process.stdout.write(
      `${name}: ${mib} MiB in ${seconds.toFixed(2)} s = ${(mib / seconds).toFixed(1)} MiB/s; ` +
        `${(directSeconds / seconds).toFixed(2)}x the baseline's rate; ` +
        `bridge peak rss ${after.peak.toFixed(1)} MiB (idle ${idle.rss.toFixed(1)}), after ${after.rss.toFixed(1)}\n`,
    );
  }
} finally {
  await cleanup.runAll();
}
