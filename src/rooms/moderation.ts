/**
 * XEP-0425 moderation: a moderator asks the room to retract an occupant's message (named by
 * the room's stanza-id). The room says which version it speaks in its disco#info (XEP-0425
 * §4: `urn:xmpp:message-moderate:1`; 0.2's `:0`, as Prosody's mod_muc_moderation of 2023
 * does), and a room that names neither does not moderate: 501.
 */
import xml from "@xmpp/xml";
import { notImplemented } from "../stanza/errors.js";
import { moderation } from "../stanza/message-actions.js";
import { NS } from "../stanza/ns.js";
import { type Asker, askIq, newIqId } from "./ask.js";

export interface ModerationRequest {
  /** The seat's address: the room checks the occupant's role by it. */
  readonly from: string;
  readonly room: string;
  /** The room's stanza-id of the message. */
  readonly id: string;
  readonly reason?: string | undefined;
}

export async function moderate(
  connection: Asker,
  request: ModerationRequest,
  timeoutMs: number,
): Promise<void> {
  const { from, room, id, reason } = request;
  const disco = xml(
    "iq",
    { type: "get", from, to: room, id: newIqId("moderation-info") },
    xml("query", { xmlns: NS.discoInfo }),
  );
  const info = await askIq(connection, disco, timeoutMs);
  const features = new Set(
    (info.reply.getChild("query", NS.discoInfo)?.getChildren("feature") ?? []).map(
      (f) => f.attrs.var,
    ),
  );
  const version = features.has(NS.moderate)
    ? "current"
    : features.has(NS.moderateLegacy)
      ? "legacy"
      : undefined;
  if (version === undefined) {
    throw notImplemented(
      `${room} does not moderate messages: its server announces no XEP-0425 support (${NS.moderate})`,
    );
  }
  const iq = xml("iq", { type: "set", from, to: room, id: newIqId("moderate") });
  await askIq(connection, moderation(iq, id, reason, version), timeoutMs);
}
