import WebSocket from "ws";

/** An event as SSE, WebSocket and long-poll deliver it. */
export interface BotEvent {
  readonly id: string;
  readonly time: string;
  readonly event?: Record<string, unknown> & { type?: string };
  readonly stanza: Record<string, unknown> & { kind?: string; body?: string; from?: string };
  readonly xml?: string;
}

export interface StreamClient {
  readonly events: BotEvent[];
  /** SSE: the `close` event's reason; WebSocket: the close frame's reason. */
  readonly closeReason: string | undefined;
  /** Resolves once `count` events have arrived in total. */
  waitForCount(count: number, timeoutMs?: number): Promise<BotEvent[]>;
  /** WebSocket: the close code; SSE: undefined. */
  readonly closeCode?: number | undefined;
  /** Stops (and restarts) reading from the socket, like a stalled consumer. */
  pause(): void;
  resume(): void;
  /** Resolves when the server ends the stream. */
  closed(timeoutMs?: number): Promise<void>;
  close(): void;
}

function waiterSet() {
  const waiters = new Set<() => void>();
  return {
    notify: () => {
      for (const waiter of [...waiters]) waiter();
    },
    waitUntil(test: () => boolean, timeoutMs: number, what: string): Promise<void> {
      if (test()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
        }, timeoutMs);
        const check = () => {
          if (!test()) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      });
    },
  };
}

/**
 * A Server-Sent Events client over fetch (Node 20 has no EventSource): parses
 * the stream as the WHATWG spec does for `id`, `event` and `data` fields.
 * Resolves once the response headers are in, i.e. the bridge is streaming.
 */
export async function openSse(
  url: string,
  headers: Record<string, string> = {},
): Promise<StreamClient & { readonly status: number; readonly comments: string[] }> {
  const abort = new AbortController();
  const res = await fetch(url, {
    headers: { accept: "text/event-stream", ...headers },
    signal: abort.signal,
  });
  const events: BotEvent[] = [];
  const comments: string[] = [];
  const waiters = waiterSet();
  let closeReason: string | undefined;
  let ended = false;
  const pump = async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end = buffer.indexOf("\n\n");
        while (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = "message";
          const data: string[] = [];
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) comments.push(line.slice(1).trim());
            else if (line.startsWith("event:")) event = line.slice(6).trim();
            else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
          }
          if (data.length > 0) {
            const value = JSON.parse(data.join("\n"));
            if (event === "close") closeReason = value.reason;
            else events.push(value as BotEvent);
          }
          end = buffer.indexOf("\n\n");
        }
        waiters.notify();
      }
    } catch {
      // aborted by close()
    }
    ended = true;
    waiters.notify();
  };
  if (res.ok) void pump();
  else ended = true;
  return {
    status: res.status,
    events,
    comments,
    get closeReason() {
      return closeReason;
    },
    async waitForCount(count, timeoutMs = 10_000) {
      await waiters.waitUntil(() => events.length >= count, timeoutMs, `${count} SSE events`);
      return events;
    },
    closed: (timeoutMs = 10_000) => waiters.waitUntil(() => ended, timeoutMs, "the SSE end"),
    pause: () => {},
    resume: () => {},
    close: () => abort.abort(),
  };
}

/** A WebSocket client (the `ws` package); resolves once the connection is open. */
export async function openWebSocket(
  url: string,
  headers: Record<string, string> = {},
): Promise<StreamClient> {
  const ws = new WebSocket(url, { headers });
  const events: BotEvent[] = [];
  const waiters = waiterSet();
  let closeReason: string | undefined;
  let closeCode: number | undefined;
  let ended = false;
  ws.on("message", (data) => {
    events.push(JSON.parse(String(data)) as BotEvent);
    waiters.notify();
  });
  ws.on("close", (code, reason) => {
    closeCode = code;
    closeReason = reason.toString();
    ended = true;
    waiters.notify();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) =>
      reject(new Error(`websocket refused with ${res.statusCode}`)),
    );
  });
  return {
    events,
    get closeReason() {
      return closeReason;
    },
    get closeCode() {
      return closeCode;
    },
    pause: () => ws.pause(),
    resume: () => ws.resume(),
    async waitForCount(count, timeoutMs = 10_000) {
      await waiters.waitUntil(() => events.length >= count, timeoutMs, `${count} ws events`);
      return events;
    },
    closed: (timeoutMs = 10_000) => waiters.waitUntil(() => ended, timeoutMs, "the ws close"),
    close: () => ws.close(),
  };
}
