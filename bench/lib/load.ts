import { Pool } from "undici";
import { now } from "./clock.js";
import { Samples, type Summary } from "./stats.js";

export interface RequestSpec {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface LoadOptions {
  readonly url: string;
  /** Keep-alive connections, each with one request in flight (no pipelining). */
  readonly connections: number;
  readonly durationMs: number;
  /** Hard cap on requests, whatever the duration. */
  readonly maxRequests: number;
  /** Builds request number `seq`, stamped with the time it is sent. */
  readonly build: (seq: number, sentAt: number) => RequestSpec;
  /** undici's headers/body timeouts, ms. */
  readonly timeoutMs?: number;
}

export interface LoadResult {
  /** Requests that got an answer with the expected status, and their sequence numbers. */
  readonly ok: number;
  readonly okSeqs: Uint8Array;
  readonly sent: number;
  readonly errors: number;
  readonly statuses: Record<string, number>;
  readonly latency: Summary;
  readonly startedAt: number;
  readonly elapsedMs: number;
}

/**
 * A closed-loop load generator: `connections` workers, each sending its next request when
 * the previous one is answered, until the duration or the request cap runs out.
 */
export async function runLoad(options: LoadOptions, expectStatus: number): Promise<LoadResult> {
  const timeout = options.timeoutMs ?? 30_000;
  const pool = new Pool(options.url, {
    connections: options.connections,
    pipelining: 1,
    headersTimeout: timeout,
    bodyTimeout: timeout,
    connectTimeout: timeout,
  });
  const latency = new Samples();
  const okSeqs = new Uint8Array(options.maxRequests);
  const statuses: Record<string, number> = {};
  let next = 0;
  let ok = 0;
  let errors = 0;
  const startedAt = now();
  const deadline = startedAt + options.durationMs;

  const worker = async () => {
    while (next < options.maxRequests && now() < deadline) {
      const seq = next++;
      const sentAt = now();
      const spec = options.build(seq, sentAt);
      try {
        const res = await pool.request({
          origin: options.url,
          method: "POST",
          path: spec.path,
          headers: spec.headers,
          body: spec.body,
        });
        await res.body.dump();
        const key = String(res.statusCode);
        statuses[key] = (statuses[key] ?? 0) + 1;
        if (res.statusCode === expectStatus) {
          ok += 1;
          okSeqs[seq] = 1;
          latency.add(now() - sentAt);
        } else errors += 1;
      } catch (err) {
        errors += 1;
        const key = (err as { code?: string }).code ?? "error";
        statuses[key] = (statuses[key] ?? 0) + 1;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.connections }, worker));
  } finally {
    await pool.close();
  }
  return {
    ok,
    okSeqs,
    sent: next,
    errors,
    statuses,
    latency: latency.summary(),
    startedAt,
    elapsedMs: now() - startedAt,
  };
}
