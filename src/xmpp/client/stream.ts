/**
 * One XML stream over one socket (RFC 6120 §4): opens and restarts the stream (after STARTTLS
 * and SASL, §5.4.3.3 and §6.4.6), upgrades the socket to TLS in place, parses what arrives
 * into top-level elements, and writes. During negotiation the session reads elements one at
 * a time (next()); once online every element goes to the handler. A server that sends what
 * cannot be parsed, or more than the size limit in one element, loses this stream only.
 */
import { connect as netConnect, type Socket } from "node:net";
import { StringDecoder } from "node:string_decoder";
import { type ConnectionOptions, type TLSSocket, connect as tlsConnect } from "node:tls";
import xml, { type Element, type Parser } from "@xmpp/xml";
import { NS } from "../../stanza/ns.js";
import { BoundedParser } from "../stream-parser.js";

export interface TlsSettings {
  /** Extra trusted CAs (PEM), for servers with a private CA. */
  readonly ca?: string | Buffer | undefined;
  /** The name the certificate must show (the account's domain, RFC 6125 / RFC 7590 §3.2). */
  readonly servername: string;
}

export interface StreamHandlers {
  /** A top-level element, once online (before that, next() takes them). */
  element(element: Element): void;
  /** The socket closed; `error` says why when it was not a clean close. */
  closed(error: Error | undefined): void;
}

export class StreamFailure extends Error {
  override readonly name = "StreamFailure";
  constructor(
    readonly kind: "tls" | "connect" | "protocol" | "timeout",
    message: string,
  ) {
    super(message);
  }
}

export interface XmlStream {
  readonly secure: boolean;
  readonly socket: Socket;
  /** The stream header the server sent last (id, version, from). */
  readonly header: Element | undefined;
  /** Opens (or, after TLS or SASL, restarts) the stream; resolves with the server's <features/>. */
  open(): Promise<Element>;
  /** The next top-level element during negotiation. */
  next(timeoutMs: number): Promise<Element>;
  /** Hands every element to the handler from now on (online). */
  release(): void;
  startTls(settings: TlsSettings): Promise<void>;
  write(text: string): boolean;
  send(element: Element): boolean;
  /** Sends </stream:stream> and ends the socket. */
  close(): void;
  destroy(): void;
  /** Milliseconds since the epoch when the server last sent anything. */
  readonly lastInputAt: number;
}

export interface StreamOptions {
  readonly host: string;
  readonly port: number;
  readonly directTls: boolean;
  readonly tls: TlsSettings;
  /** The domain the stream is to (the account's). */
  readonly domain: string;
  /** Largest top-level element accepted from the server, bytes. */
  readonly maxElementBytes: number;
  readonly handlers: StreamHandlers;
}

function tlsOptions(
  socketOrHost: { socket: Socket } | { host: string; port: number },
  s: TlsSettings,
): ConnectionOptions {
  return {
    ...socketOrHost,
    servername: s.servername,
    ...(s.ca ? { ca: s.ca } : {}),
    // Verified: a certificate the system (or the given CA) does not trust, or one for
    // another name, fails the connection (RFC 7590 §3.2).
    rejectUnauthorized: true,
    minVersion: "TLSv1.2",
    ALPNProtocols: ["xmpp-client"],
  };
}

/** A TLS handshake failure as the operator reads it. */
function tlsFailure(err: unknown): StreamFailure {
  const code = (err as { code?: string }).code;
  const message = err instanceof Error ? err.message : String(err);
  return new StreamFailure("tls", `TLS failed: ${code ? `${code}: ` : ""}${message}`);
}

const isTlsError = (err: unknown) => {
  const code = (err as { code?: string }).code ?? "";
  return /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO|HOSTNAME|ERR_TLS/i.test(code);
};

/** Connects and wraps the socket; resolves once TCP (and, for direct TLS, the handshake) is up. */
export function connectStream(options: StreamOptions, onReached: () => void): Promise<XmlStream> {
  return new Promise((resolve, reject) => {
    const raw: Socket = options.directTls
      ? tlsConnect(tlsOptions({ host: options.host, port: options.port }, options.tls))
      : netConnect({ host: options.host, port: options.port });
    const ready = options.directTls ? "secureConnect" : "connect";
    const fail = (err: Error) => {
      raw.destroy();
      reject(
        options.directTls && isTlsError(err)
          ? tlsFailure(err)
          : new StreamFailure(
              "connect",
              `connecting to ${options.host}:${options.port} failed: ${err.message}`,
            ),
      );
    };
    raw.once("error", fail);
    raw.once(ready, () => {
      raw.off("error", fail);
      onReached();
      resolve(createXmlStream(raw, options));
    });
  });
}

function createXmlStream(initial: Socket, options: StreamOptions): XmlStream {
  const { handlers, maxElementBytes } = options;
  let socket: Socket = initial;
  let secure = options.directTls;
  let parser: Parser | undefined;
  let decoder = new StringDecoder("utf8");
  let header: Element | undefined;
  let released = false;
  let closed = false;
  let bytesInElement = 0;
  let lastInputAt = Date.now();
  const queue: Element[] = [];
  let waiter: { resolve: (e: Element) => void; reject: (e: Error) => void } | undefined;
  let failure: Error | undefined;
  let headerWaiter: (() => void) | undefined;

  const fail = (err: Error) => {
    if (failure) return;
    failure = err;
    waiter?.reject(err);
    waiter = undefined;
    socket.destroy();
  };

  const deliver = (element: Element) => {
    element.parent = null;
    bytesInElement = 0;
    if (released) {
      handlers.element(element);
    } else if (waiter) {
      const w = waiter;
      waiter = undefined;
      w.resolve(element);
    } else queue.push(element);
  };

  const newParser = () => {
    const p = new BoundedParser();
    p.on("start", (el: Element) => {
      header = el;
      headerWaiter?.();
    });
    p.on("element", deliver);
    p.on("end", () => {
      // The server closed its stream (RFC 6120 §4.4): close ours and the socket.
      stream.close();
    });
    p.on("error", (err: Error) =>
      fail(
        new StreamFailure("protocol", `the server sent XML that does not parse: ${err.message}`),
      ),
    );
    parser = p;
    decoder = new StringDecoder("utf8");
  };

  const onData = (chunk: Buffer) => {
    lastInputAt = Date.now();
    bytesInElement += chunk.length;
    if (bytesInElement > maxElementBytes) {
      fail(
        new StreamFailure("protocol", `the server sent an element above ${maxElementBytes} bytes`),
      );
      return;
    }
    try {
      parser?.write(decoder.write(chunk));
    } catch (err) {
      fail(new StreamFailure("protocol", `the server's XML broke the parser: ${String(err)}`));
    }
  };

  const attach = (s: Socket) => {
    s.on("data", onData);
    s.on("error", (err) => fail(err));
    s.once("close", () => {
      if (s !== socket) return;
      closed = true;
      const err = failure;
      waiter?.reject(err ?? new StreamFailure("connect", "the server closed the connection"));
      waiter = undefined;
      handlers.closed(err);
    });
    s.setNoDelay(true);
  };
  attach(socket);

  const write = (text: string) => {
    if (closed || socket.destroyed || !socket.writable) return false;
    // Stanzas of one event-loop turn leave in one TCP write (as on the component link).
    if (socket.writableCorked === 0) {
      socket.cork();
      const s = socket;
      setImmediate(() => s.uncork());
    }
    socket.write(text);
    return true;
  };

  const stream: XmlStream = {
    get secure() {
      return secure;
    },
    get socket() {
      return socket;
    },
    get header() {
      return header;
    },
    get lastInputAt() {
      return lastInputAt;
    },
    async open() {
      newParser();
      header = undefined;
      const opened = new Promise<void>((resolve) => {
        headerWaiter = () => {
          headerWaiter = undefined;
          resolve();
        };
      });
      write(
        `<?xml version='1.0'?><stream:stream xmlns='${NS.client}' xmlns:stream='${NS.streams}' to='${xml.escapeXML(options.domain)}' version='1.0' xml:lang='en'>`,
      );
      const features = await stream.next(30_000);
      await opened;
      if (features.name !== "stream:features") {
        throw (
          streamErrorOf(features) ??
          new StreamFailure("protocol", `expected the stream's features, got <${features.name}/>`)
        );
      }
      return features;
    },
    next(timeoutMs) {
      const queued = queue.shift();
      if (queued) return Promise.resolve(queued);
      if (failure) return Promise.reject(failure);
      if (closed) return Promise.reject(new StreamFailure("connect", "the connection is closed"));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiter = undefined;
          reject(new StreamFailure("timeout", `the server did not answer within ${timeoutMs} ms`));
        }, timeoutMs);
        waiter = {
          resolve: (e) => {
            clearTimeout(timer);
            const error = streamErrorOf(e);
            if (error) reject(error);
            else resolve(e);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        };
      });
    },
    release() {
      released = true;
      for (const element of queue.splice(0)) handlers.element(element);
    },
    startTls(settings) {
      return new Promise((resolve, reject) => {
        const plain = socket;
        plain.removeAllListeners("data");
        const secured: TLSSocket = tlsConnect(tlsOptions({ socket: plain }, settings));
        const onError = (err: Error) => {
          secured.destroy();
          plain.destroy();
          reject(tlsFailure(err));
        };
        secured.once("error", onError);
        secured.once("secureConnect", () => {
          secured.off("error", onError);
          socket = secured;
          secure = true;
          attach(secured);
          resolve();
        });
      });
    },
    write,
    send: (element) => write(element.toString()),
    close() {
      if (closed) return;
      write("</stream:stream>");
      socket.end();
      // A server that never closes its side loses the socket after a moment.
      setTimeout(() => socket.destroy(), 2_000).unref();
    },
    destroy() {
      socket.destroy();
    },
  };
  return stream;
}

/** A <stream:error/> (RFC 6120 §4.9) as a failure naming its condition; undefined otherwise. */
export function streamErrorOf(element: Element): StreamFailure | undefined {
  if (element.name !== "stream:error" && element.name !== "error") return undefined;
  if (element.name === "error" && element.attrs.xmlns !== NS.streams) return undefined;
  const condition = element.children.find(
    (c): c is Element =>
      typeof c !== "string" && c.attrs.xmlns === NS.streamErrors && c.name !== "text",
  );
  const text = element.getChild("text", NS.streamErrors)?.text();
  return new StreamFailure(
    "protocol",
    `stream error ${condition?.name ?? "undefined-condition"}${text ? `: ${text}` : ""}`,
  );
}
