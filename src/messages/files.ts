/**
 * Files in one request (README, "Messages, files and commands"): the bytes go to the server's
 * upload service (XEP-0363, ./upload.ts), then the owner sends the URL as a message that
 * clients show as the file: the URL as the body and in XEP-0066 OOB. To a JID one-to-one, or
 * to a room the owner is in. A caption follows as a message of its own (clients render a
 * message whose body is the URL alone inline, and one with more text as text).
 */
import xml, { type Element } from "@xmpp/xml";
import type { Outbound } from "../outbound/index.js";
import type { Owner } from "../owner.js";
import type { Rooms } from "../rooms/index.js";
import { fileMessage } from "../stanza/message-actions.js";
import type { FileToUpload, Uploader } from "./upload.js";

export interface FileSend extends FileToUpload {
  /** A JID, or a room the owner is in. */
  readonly to: string;
  readonly caption?: string | undefined;
  readonly replyTo?: string | undefined;
}

export interface SentFile {
  /** The message's id (what edits, reactions and replies name). */
  readonly id: string;
  /** Where the file can be downloaded. */
  readonly url: string;
}

export interface Files {
  send(owner: Owner, file: FileSend): Promise<SentFile>;
  /** The service's limit (bytes), to refuse a file before reading it; undefined: none named. */
  limit(owner: Owner): Promise<number | undefined>;
}

export interface FilesOptions {
  readonly uploader: Pick<Uploader, "upload" | "service">;
  readonly outbound: Pick<Outbound, "prepare" | "send">;
  readonly rooms?: Pick<Rooms, "post" | "list"> | undefined;
}

export function createFiles(options: FilesOptions): Files {
  const { uploader, outbound, rooms } = options;

  /** Sends a message to the JID or room; resolves its API id. */
  const say = async (owner: Owner, to: string, message: Element, replyTo?: string) => {
    if (rooms?.list(owner).some((r) => r.room === to)) {
      return rooms.post(owner, to, message, { replyTo });
    }
    message.attrs.to = to;
    message.attrs.type = "chat";
    outbound.prepare(owner, message);
    const sent = await outbound.send(owner, message, { timeoutMs: 0, replyTo });
    return sent.id ?? message.attrs.id ?? "";
  };

  return {
    async send(owner, file) {
      const url = await uploader.upload(owner, file);
      const id = await say(
        owner,
        file.to,
        fileMessage(xml("message"), url, file.caption),
        file.replyTo,
      );
      if (file.caption)
        await say(owner, file.to, xml("message", {}, xml("body", {}, file.caption)));
      return { id, url };
    },
    async limit(owner) {
      return (await uploader.service(owner)).maxFileSize;
    },
  };
}
