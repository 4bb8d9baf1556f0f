import type { Logger } from "../log.js";
import type { Consumer, Consumers } from "./consumers.js";
import type { Cursor } from "./cursor.js";
import { type EventFormat, eventJson } from "./event-json.js";
import { SLOW_CONSUMER, type StreamLimits } from "./limits.js";

export interface SseOptions {
  /** The owner's stream (its owner id), for the consumer list and the log. */
  readonly stream: string;
  readonly cursor: Cursor;
  readonly format: EventFormat;
  readonly limits: StreamLimits;
  readonly consumers: Consumers;
  readonly log: Logger;
  /** Drops the connection when a cut-off consumer does not read its close event. */
  readonly destroy: () => void;
}

const encoder = new TextEncoder();

/**
 * Server-Sent Events (WHATWG HTML §9.2): `id:` is the event id, so a browser's
 * EventSource resumes with Last-Event-ID by itself. The body is pulled: the
 * next batch is read from the store only when the previous one has been handed
 * to the socket, so a slow reader holds at most one batch in memory.
 */
export function sseStream(options: SseOptions): ReadableStream<Uint8Array> {
  const { stream, cursor, format, limits, consumers, log } = options;
  const abort = new AbortController();
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let pulling = false;
  let idleSince = Date.now();
  let closed = false;

  const finish = (reason?: string) => {
    if (closed) return;
    closed = true;
    abort.abort();
    cursor.close();
    consumers.delete(consumer);
    if (reason === undefined || !controller) return;
    try {
      controller.enqueue(encoder.encode(`event: close\ndata: ${JSON.stringify({ reason })}\n\n`));
      controller.close();
    } catch {}
  };

  const consumer: Consumer = {
    stream,
    kind: "sse",
    check(now) {
      // Pull is not called again until the socket has taken the last chunk.
      if (closed || pulling || now - idleSince < limits.stallMs) return;
      log.warn("event stream cut off", { stream, kind: "sse", reason: SLOW_CONSUMER });
      finish(SLOW_CONSUMER);
      // What is queued (the close event last) may still be read; then the connection goes.
      setTimeout(options.destroy, limits.stallMs).unref();
    },
    close: (reason) => finish(reason),
  };
  consumers.add(consumer);

  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        c.enqueue(encoder.encode(`retry: 2000\n: connected at ${cursor.position}\n\n`));
      },
      async pull(c) {
        pulling = true;
        try {
          const events = await cursor.next(limits.batch, limits.heartbeatMs, abort.signal);
          if (closed) return;
          if (events.length === 0) {
            c.enqueue(encoder.encode(": heartbeat\n\n"));
            return;
          }
          let text = "";
          for (const event of events) {
            text += `id: ${event.id}\ndata: ${JSON.stringify(eventJson(event, format))}\n\n`;
          }
          c.enqueue(encoder.encode(text));
        } catch (err) {
          log.error("event stream failed", { stream, err });
          finish("internal error");
        } finally {
          pulling = false;
          idleSince = Date.now();
        }
      },
      cancel() {
        finish();
      },
    },
    { highWaterMark: 1 },
  );
}
