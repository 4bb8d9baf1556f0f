import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Cleanup } from "./procs.js";

export interface HookAnswer {
  readonly status: number;
  readonly contentType?: string;
  readonly body?: string;
}

export interface WebhookServer {
  readonly url: string;
  stop(): Promise<void>;
}

const BODY = /<body(?:\s[^>]*)?>([^<]*)<\/body>/;

/** The message body text of a stanza the bridge POSTed as application/xmpp+xml. */
export function bodyText(payload: string): string | undefined {
  return BODY.exec(payload)?.[1];
}

/**
 * A plain node:http webhook in the driver process (the thing a bot would run). Answers the
 * bridge's start-up OPTIONS probe asking for XML, and every POST with what `answer` returns.
 */
export async function startWebhook(
  answer: (payload: string) => HookAnswer,
  cleanup: Cleanup,
): Promise<WebhookServer> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method === "OPTIONS") {
      res.writeHead(200, { accept: "application/xmpp+xml" }).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const reply = answer(Buffer.concat(chunks).toString("utf8"));
      const headers = reply.contentType ? { "content-type": reply.contentType } : undefined;
      res.writeHead(reply.status, headers).end(reply.body);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const stop = cleanup.add("webhook server", async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  });
  return { url: `http://127.0.0.1:${port}/hook`, stop };
}

/** At most `limit` messages in flight; senders wait for a slot (bounded by maxWaitMs). */
export class Window {
  private inFlight = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /** Resolves true with a slot, or false after maxWaitMs (the slot is then taken anyway). */
  acquire(maxWaitMs: number): Promise<boolean> {
    if (this.inFlight < this.limit) {
      this.inFlight += 1;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const waiter = () => {
        clearTimeout(timer);
        this.inFlight += 1;
        resolve(true);
      };
      const timer = setTimeout(() => {
        const index = this.waiters.indexOf(waiter);
        if (index !== -1) this.waiters.splice(index, 1);
        // A lost message would hold its slot forever; treat the wait as the loss and go on.
        resolve(false);
      }, maxWaitMs);
      this.waiters.push(waiter);
    });
  }

  release(count = 1): void {
    for (let i = 0; i < count; i++) {
      this.inFlight = Math.max(0, this.inFlight - 1);
      this.waiters.shift()?.();
    }
  }
}
