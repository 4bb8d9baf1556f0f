import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** Date.now() when the whole request had arrived. */
  readonly receivedAt: number;
  /** The status the server answered with, once it has. */
  answeredStatus?: number;
}

export interface Answer {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  /** A Buffer lets a test answer with bytes that are not UTF-8. */
  readonly body?: string | Buffer;
}

/** Decides the answer; may be slow (return a promise) or hang (never resolve). */
export type WebhookHandler = (req: ReceivedRequest) => Answer | Promise<Answer>;

export interface WebhookServer {
  readonly url: string;
  readonly port: number;
  readonly requests: ReceivedRequest[];
  /** Replaces the answer for the following requests (default: 204). */
  handle(handler: WebhookHandler): void;
  /** The first request (already received or arriving) that matches. */
  waitFor(
    match: (req: ReceivedRequest) => boolean,
    timeoutMs?: number,
    what?: string,
  ): Promise<ReceivedRequest>;
  close(): Promise<void>;
}

/** A real loopback HTTP server playing the bot's webhook. */
export async function startWebhookServer(handler?: WebhookHandler): Promise<WebhookServer> {
  let current: WebhookHandler = handler ?? (() => ({ status: 204 }));
  const requests: ReceivedRequest[] = [];
  const waiters = new Set<(req: ReceivedRequest) => void>();

  const answer = (res: ServerResponse, reply: Answer) => {
    res.writeHead(reply.status ?? 200, reply.headers ?? {});
    res.end(reply.body ?? "");
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const received: ReceivedRequest = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        receivedAt: Date.now(),
      };
      // The handler sees the request before any waitFor() resolves, so a test that waits
      // for a request can rely on what the handler did with it (e.g. holding it).
      let reply: Promise<Answer>;
      try {
        reply = Promise.resolve(current(received));
      } catch (err) {
        reply = Promise.reject(err);
      }
      requests.push(received);
      for (const waiter of [...waiters]) waiter(received);
      reply.then(
        (answered) => {
          received.answeredStatus = answered.status ?? 200;
          answer(res, answered);
        },
        (err: unknown) => answer(res, { status: 500, body: String(err) }),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    handle(next) {
      current = next;
    },
    waitFor(match, timeoutMs = 10_000, what = "request") {
      const already = requests.find(match);
      if (already) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`webhook: no matching ${what} within ${timeoutMs} ms`));
        }, timeoutMs);
        const waiter = (req: ReceivedRequest) => {
          if (!match(req)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(req);
        };
        waiters.add(waiter);
      });
    },
    close() {
      waiters.clear();
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
