import type { WSContext, WSEvents } from "hono/ws";
import type { WebSocket } from "ws";
import type { Logger } from "../log.js";
import type { EventLog } from "../store/events.js";
import type { Consumer, Consumers } from "./consumers.js";
import { type Cursor, createCursor } from "./cursor.js";
import { type EventFormat, eventJson } from "./event-json.js";
import { SLOW_CONSUMER, type StreamLimits } from "./limits.js";

export interface WebSocketOptions {
  /** The owner's stream in the log (its owner id). */
  readonly stream: string;
  readonly store: Pick<EventLog, "readEvents" | "watchEvents">;
  /** Where the consumer starts: events after this id. */
  readonly after: string;
  readonly format: EventFormat;
  readonly limits: StreamLimits;
  readonly consumers: Consumers;
  readonly log: Logger;
}

/** RFC 6455 §7.4.1: 1001 going away (shutdown), 1008 policy violation (too slow), 1011 internal. */
const GOING_AWAY = 1001;
const POLICY = 1008;
const INTERNAL = 1011;

/**
 * Events as JSON text frames, one event per frame. The next batch is read from
 * the store only once the socket has written the previous one out, so a slow
 * reader holds at most one batch in memory; one whose socket takes nothing for
 * `stallMs` is closed with 1008 and the reason.
 */
export function webSocketEvents(options: WebSocketOptions): WSEvents<WebSocket> {
  const { stream, format, limits, consumers, log } = options;
  // Made when the socket opens: an upgrade that never completes holds nothing.
  let cursor: Cursor | undefined;
  const abort = new AbortController();
  let socket: WSContext<WebSocket> | undefined;
  let closed = false;
  let blockedSince: number | undefined;
  let drained: (() => void) | undefined;

  const finish = (code?: number, reason?: string) => {
    if (closed) return;
    closed = true;
    abort.abort();
    drained?.();
    cursor?.close();
    consumers.delete(consumer);
    if (code !== undefined) socket?.close(code, reason);
  };

  const consumer: Consumer = {
    stream,
    kind: "websocket",
    check(now) {
      const raw = socket?.raw;
      if (closed || !raw) return;
      if (blockedSince !== undefined && now - blockedSince >= limits.stallMs) {
        log.warn("event stream cut off", { stream, kind: "websocket", reason: SLOW_CONSUMER });
        finish(POLICY, SLOW_CONSUMER);
        // The close frame waits behind what is queued; a reader that wakes up still gets it.
        setTimeout(() => raw.terminate(), limits.stallMs).unref();
      }
    },
    close: (reason) => finish(GOING_AWAY, reason),
  };

  /** Sends the last frame of a batch and waits until the socket has written it out. */
  const sendAndDrain = (raw: WebSocket, text: string) =>
    new Promise<void>((resolve) => {
      blockedSince = Date.now();
      drained = () => {
        blockedSince = undefined;
        drained = undefined;
        resolve();
      };
      raw.send(text, () => drained?.());
    });

  const run = async (raw: WebSocket, cursor: Cursor) => {
    while (!closed) {
      const events = await cursor.next(limits.batch, limits.heartbeatMs, abort.signal);
      if (closed) return;
      if (events.length === 0) {
        raw.ping();
        continue;
      }
      const frames = events.map((event) => JSON.stringify(eventJson(event, format)));
      const last = frames.pop() as string;
      for (const frame of frames) raw.send(frame);
      await sendAndDrain(raw, last);
    }
  };

  return {
    onOpen(_event, ws) {
      socket = ws;
      const raw = ws.raw;
      if (!raw) return finish(INTERNAL, "no socket");
      consumers.add(consumer);
      cursor = createCursor(options.store, options.stream, options.after);
      run(raw, cursor).catch((err: unknown) => {
        log.error("event stream failed", { stream, err });
        finish(INTERNAL, "internal error");
      });
    },
    onClose() {
      finish();
    },
    onError() {
      finish();
    },
  };
}
