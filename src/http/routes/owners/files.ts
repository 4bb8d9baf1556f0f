/**
 * POST .../files (a bot's, an account's, /v1/me's): a file in one request (README, "Messages,
 * files and commands"). The body is the file (its Content-Type the file's), or
 * multipart/form-data with the file and a `caption`; the files service uploads it (XEP-0363,
 * to the owner's own server's service) and sends it (XEP-0066) as the subject's owner. The
 * handler reads its parameters itself: the body is a stream, never parsed by a schema.
 */
import { z } from "@hono/zod-openapi";
import type { Files } from "../../../messages/files.js";
import { xmlText } from "../../../rooms/address.js";
import { unprocessable } from "../../../stanza/errors.js";
import { jidToString, parseJid } from "../../../stanza/jid.js";
import { type BridgeApp, documentedRoute } from "../../env.js";
import { readFileRequest } from "../../file-body.js";
import { authErrors, errorResponse } from "../../schemas.js";
import { json } from "../bots/params.js";
import { type Mount, paramsOf, unprocessableBelow } from "./mount.js";

/** A file when the upload service names no limit: a bound on the disk a request may take. */
export const UNNAMED_LIMIT = 1024 ** 3;

const SentFile = z
  .object({
    id: z.string().openapi({ description: "The message's id (edits, reactions, replies)" }),
    url: z.string().openapi({ description: "Where the file is downloaded" }),
  })
  .openapi("SentFile");

const filesRoute = (mount: Mount) => ({
  method: "post" as const,
  path: "/files",
  tags: ["messages"],
  summary: "Send a file (XEP-0363 upload, then XEP-0066 OOB)",
  description:
    "The body is the file, or multipart/form-data with one file part and the fields caption (and to, name, replyTo instead of the query). The bridge asks the server's upload service for a slot, streams the bytes there, and sends the URL as the message body and as OOB, which clients show as the file.",
  security: mount.security,
  request: {
    ...paramsOf(mount),
    query: z.object({
      to: z
        .string()
        .optional()
        .openapi({ description: `A JID, or a room ${mount.who} is in` }),
      name: z.string().optional().openapi({ description: "The file name (default: the part's)" }),
      caption: z.string().optional().openapi({ description: "Sent as a message after the file" }),
      replyTo: z.string().optional().openapi({ description: "The message the file answers" }),
    }),
    body: {
      required: true,
      content: {
        "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) },
        "multipart/form-data": {
          schema: z.object({
            file: z.string().openapi({ format: "binary" }),
            caption: z.string().optional(),
          }),
        },
      },
    },
  },
  responses: {
    202: json(SentFile, "Uploaded, and the message handed to the XMPP server"),
    ...authErrors,
    400: errorResponse("A malformed multipart body"),
    404: errorResponse(`${mount.missing}, or no such replyTo message`),
    413: errorResponse(
      "The file is larger than the upload service takes (the text names the limit)",
    ),
    ...unprocessableBelow(mount, "No or a bad to or name; the text says which"),
    501: errorResponse("The XMPP server has no upload service (XEP-0363)"),
    502: errorResponse("The upload service refused the bytes"),
    503: errorResponse(mount.down),
  },
});

/** The file name as XEP-0363 sends it: non-empty, no path, at most 255 characters. */
function fileName(raw: string | undefined): string {
  if (raw === undefined || raw.trim() === "") {
    throw unprocessable(`"name" is required (or a multipart file part with a filename)`);
  }
  const name = xmlText(raw.trim(), "name");
  if (name.length > 255 || /[/\\\p{Cc}]/u.test(name)) {
    throw unprocessable(`"name" must be a file name (no path, no control characters, at most 255)`);
  }
  return name;
}

function recipient(raw: string | undefined): string {
  if (raw === undefined) throw unprocessable(`"to" is required: a JID, or a room the sender is in`);
  const jid = parseJid(raw);
  if (!jid) throw unprocessable(`"to" must be a JID; '${raw.slice(0, 100)}' is not one`);
  return jidToString(jid);
}

export function registerFiles(app: BridgeApp, files: Files, mount: Mount): void {
  documentedRoute(app, filesRoute(mount), async (c) => {
    const { owner } = c.var.subject;
    const query = c.req.query();
    // What the query names is checked before a byte is read.
    if (query.to !== undefined) recipient(query.to);
    if (query.name !== undefined) fileName(query.name);
    const limit = (await files.limit(owner)) ?? UNNAMED_LIMIT;
    const file = await readFileRequest(c, limit);
    try {
      const field = (key: string) => query[key] ?? file.fields[key];
      const caption = field("caption");
      const replyTo = field("replyTo");
      const sent = await files.send(owner, {
        to: recipient(field("to")),
        name: fileName(query.name ?? file.fields.name ?? file.filename),
        size: file.size,
        mediaType: file.mediaType,
        body: file.body,
        caption: caption === undefined || caption === "" ? undefined : xmlText(caption, "caption"),
        replyTo: replyTo === "" ? undefined : replyTo,
      });
      return c.json(sent, 202);
    } finally {
      file.body.destroy();
      await file.dispose();
    }
  });
}
