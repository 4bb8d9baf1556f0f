/**
 * XEP-0363 HTTP file upload, as a client: find the owner's server's upload service (§2: an
 * item of the server's disco#items whose disco#info has the feature `urn:xmpp:http:upload:0`,
 * with its `max-file-size` in a XEP-0128 form; the answer is cached per server), ask it for a
 * slot (§4), and PUT the bytes to the slot's URL with the headers the slot names (§5),
 * streamed. Every iq is asked as the owner, on its own connection: a bot's over the component
 * link, an account's over its session (its server's service may take only its own users).
 */
import type { Readable } from "node:stream";
import xml, { type Element } from "@xmpp/xml";
import { Agent, request } from "undici";
import { readFormData, readFormType } from "../formats/json/dataform.js";
import type { Owner } from "../owner.js";
import { notImplemented, StanzaError, tooLarge } from "../stanza/errors.js";
import { NS } from "../stanza/ns.js";

/** Asks an iq as the owner and resolves its result; an error reply is thrown as its StanzaError. */
export type AskIq = (owner: Owner, iq: Element) => Promise<Element>;

export interface UploadService {
  readonly jid: string;
  /** Bytes; undefined when the service names no limit. */
  readonly maxFileSize: number | undefined;
}

export interface Slot {
  readonly put: string;
  readonly get: string;
  /** Only what §5 lets a slot ask for: Authorization, Cookie, Expires. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface FileToUpload {
  readonly name: string;
  readonly size: number;
  readonly mediaType: string;
  /** The bytes, read once. */
  readonly body: Readable;
}

export interface Uploader {
  /** The upload service, from the cache or found now; 501 when the server has none. */
  service(owner: Owner): Promise<UploadService>;
  /** Checks the size, gets a slot, PUTs the bytes; resolves the URL to share. */
  upload(owner: Owner, file: FileToUpload): Promise<string>;
  close(): Promise<void>;
}

/** Where an owner's upload service is found. */
export interface UploadPlace {
  /** The server whose disco#items list the service (the owner's own server). */
  readonly server: string;
  /** A service named by configuration: no discovery. */
  readonly service?: string | undefined;
}

export interface UploaderOptions {
  readonly ask: AskIq;
  /** Where each owner's upload service is: its own server's (./upload.ts uploadPlaces). */
  readonly placeOf: (owner: Owner) => UploadPlace;
  /** How long the bytes may take, ms. */
  readonly timeoutMs: number;
  /** How long a found service (or that there is none) is remembered, ms. */
  readonly cacheMs?: number;
  /** How many servers' answers are remembered (accounts may be on many servers). */
  readonly cacheSize?: number;
  readonly now?: () => number;
}

/** §5: the only headers a slot may make the PUT carry. */
const SLOT_HEADERS = new Set(["authorization", "cookie", "expires"]);
const DEFAULT_CACHE_MS = 10 * 60_000;
const DEFAULT_CACHE_SIZE = 1_000;

const iq = (type: "get", to: string, child: Element) => xml("iq", { type, to }, child);

/** The service's max-file-size (§2, XEP-0128), if it names one. */
function maxFileSizeOf(info: Element): number | undefined {
  const forms = info.getChild("query", NS.discoInfo)?.getChildren("x", NS.data) ?? [];
  const form = forms.find((x) => readFormType(x) === NS.upload);
  const value = form && readFormData(form)["max-file-size"];
  const text = Array.isArray(value) ? value[0] : value;
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

const hasUploadFeature = (info: Element) =>
  (info.getChild("query", NS.discoInfo)?.getChildren("feature") ?? []).some(
    (f) => f.attrs.var === NS.upload,
  );

/** The slot in a §4 answer; a 502 when the service answered something else. */
function slotOf(reply: Element): Slot {
  const slot = reply.getChild("slot", NS.upload);
  const put = slot?.getChild("put");
  const get = slot?.getChild("get");
  if (!put?.attrs.url || !get?.attrs.url) {
    throw new StanzaError("cancel", "undefined-condition", {
      text: "the upload service answered without a slot",
      status: 502,
    });
  }
  const headers: Record<string, string> = {};
  for (const header of put.getChildren("header")) {
    const name = (header.attrs.name ?? "").toLowerCase();
    // §5: anything else is dropped; line breaks would split the request.
    if (SLOT_HEADERS.has(name) && !/[\r\n]/.test(header.getText())) {
      headers[name] = header.getText();
    }
  }
  return { put: put.attrs.url, get: get.attrs.url, headers };
}

export function createUploader(options: UploaderOptions): Uploader {
  const { ask, placeOf, timeoutMs } = options;
  const cacheMs = options.cacheMs ?? DEFAULT_CACHE_MS;
  const cacheSize = options.cacheSize ?? DEFAULT_CACHE_SIZE;
  const now = options.now ?? Date.now;
  const agent = new Agent({ connect: { timeout: 10_000 }, headersTimeout: timeoutMs });
  /** Per place, in the order first asked: the oldest is dropped when the cache is full. */
  const cache = new Map<string, { at: number; found: Promise<UploadService | undefined> }>();

  const infoOf = (owner: Owner, jid: string) =>
    ask(owner, iq("get", jid, xml("query", { xmlns: NS.discoInfo })));

  const discover = async (
    owner: Owner,
    { server, service }: UploadPlace,
  ): Promise<UploadService | undefined> => {
    if (service) {
      const info = await infoOf(owner, service);
      return hasUploadFeature(info)
        ? { jid: service, maxFileSize: maxFileSizeOf(info) }
        : undefined;
    }
    const items = await ask(owner, iq("get", server, xml("query", { xmlns: NS.discoItems })));
    const jids = (items.getChild("query", NS.discoItems)?.getChildren("item") ?? [])
      .map((item) => item.attrs.jid)
      .filter((jid): jid is string => typeof jid === "string" && jid !== "");
    for (const jid of jids) {
      const info = await infoOf(owner, jid).catch(() => undefined);
      if (info && hasUploadFeature(info)) return { jid, maxFileSize: maxFileSizeOf(info) };
    }
    return undefined;
  };

  const service = async (owner: Owner): Promise<UploadService> => {
    const place = placeOf(owner);
    const key = `${place.service ?? ""} ${place.server}`;
    let cached = cache.get(key);
    if (!cached || now() - cached.at > cacheMs) {
      cache.delete(key);
      if (cache.size >= cacheSize) cache.delete(cache.keys().next().value ?? "");
      const found = discover(owner, place);
      cached = { at: now(), found };
      cache.set(key, cached);
      // A failed look-up (the server did not answer) is not remembered.
      found.catch(() => {
        if (cache.get(key)?.found === found) cache.delete(key);
      });
    }
    const found = await cached.found;
    if (!found) {
      const why = place.service
        ? `${place.service} has no ${NS.upload}`
        : `no item of ${place.server} has ${NS.upload}`;
      throw notImplemented(`the XMPP server offers no file upload service (XEP-0363: ${why})`);
    }
    return found;
  };

  return {
    service,
    async upload(owner, file) {
      const { jid, maxFileSize } = await service(owner);
      if (maxFileSize !== undefined && file.size > maxFileSize) {
        throw tooLarge(
          `the file is ${file.size} bytes; the upload service takes at most ${maxFileSize} (max-file-size)`,
        );
      }
      const slotRequest = xml("request", {
        xmlns: NS.upload,
        filename: file.name,
        size: String(file.size),
        "content-type": file.mediaType,
      });
      let reply: Element;
      try {
        reply = await ask(owner, iq("get", jid, slotRequest));
      } catch (err) {
        // §4.2: the service's own word on the size wins over what disco said.
        if (err instanceof StanzaError && err.condition === "not-acceptable") {
          throw tooLarge(`the upload service refused the file: ${err.text ?? "too large"}`);
        }
        throw err;
      }
      const slot = slotOf(reply);
      const answer = await request(slot.put, {
        method: "PUT",
        body: file.body,
        headers: {
          ...slot.headers,
          "content-type": file.mediaType,
          "content-length": String(file.size),
        },
        dispatcher: agent,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await answer.body.dump();
      if (answer.statusCode < 200 || answer.statusCode >= 300) {
        throw new StanzaError("cancel", "undefined-condition", {
          text: `the upload service refused the bytes: HTTP ${answer.statusCode}`,
          status: 502,
        });
      }
      return slot.get;
    },
    close: () => agent.close(),
  };
}

/** How long the bytes of one file may take to reach the upload service. */
export const FILE_TIMEOUT_MS = 30 * 60_000;

/** The server a component domain belongs to (rest.example.org: example.org), where services are listed. */
export function componentServer(domain: string): string {
  const dot = domain.indexOf(".");
  return dot > 0 && dot < domain.length - 1 ? domain.slice(dot + 1) : domain;
}

/**
 * Where each owner finds its upload service: a bot at the component domain's server (or the
 * service XMPP_REST_UPLOAD_SERVICE names), an account at its own domain, the server it is a
 * user of (the configured service belongs to the component's server, not to the accounts').
 */
export function uploadPlaces(
  componentDomain: string,
  configured: string | undefined,
): (owner: Owner) => UploadPlace {
  const bots: UploadPlace = { server: componentServer(componentDomain), service: configured };
  return (owner) =>
    owner.kind === "account" ? { server: owner.jid.slice(owner.jid.indexOf("@") + 1) } : bots;
}
