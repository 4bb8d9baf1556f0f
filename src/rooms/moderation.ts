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
import { askIq, newIqId } from "./ask.js";
import { connectionDown, type Seat } from "./seat.js";

export interface ModerationRequest {
  readonly room: string;
  /** The room's stanza-id of the message. */
  readonly id: string;
  readonly reason?: string | undefined;
}

/** Asks from the seat's address: the room checks the occupant's role by it. */
export async function moderate(
  seat: Pick<Seat, "connection" | "address">,
  request: ModerationRequest,
  timeoutMs: number,
): Promise<void> {
  const { connection, address: from } = seat;
  if (connection.state !== "online") throw connectionDown(connection);
  const { room, id, reason } = request;
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
