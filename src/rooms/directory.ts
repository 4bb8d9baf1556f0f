/**
 * A MUC service's public rooms (XEP-0045 §6.3: disco#items on the service, XEP-0030),
 * each with what its disco#info says (XEP-0045 §6.4: the room's name, and the
 * muc#roominfo form's description and occupant count).
 */
import xml, { type Element } from "@xmpp/xml";
import { StanzaError } from "../stanza/errors.js";
import { NS } from "../stanza/ns.js";
import { type Asker, askIq, newIqId } from "./ask.js";
import { fieldValues, findForm } from "./forms.js";
import { connectionDown, type RoomConnection } from "./seat.js";

export interface RoomListing {
  readonly jid: string;
  /** The room's name (its disco#info identity, else the disco#items name), null when it has none. */
  readonly name: string | null;
  /** muc#roominfo_description; null when the room does not say or was not asked. */
  readonly description: string | null;
  /** muc#roominfo_occupants; null when the room does not say or was not asked. */
  readonly occupants: number | null;
  /** The room's muc_* features (muc_open, muc_membersonly, muc_passwordprotected, ...). */
  readonly features: readonly string[];
}

export interface RoomDirectory {
  /**
   * The service's public rooms, sorted by JID. Throws 404 when there is no such service,
   * 504 when it does not answer in time, the service's own error otherwise.
   */
  list(service: string): Promise<RoomListing[]>;
}

export interface RoomDirectoryOptions {
  readonly connection: Asker & Pick<RoomConnection, "state" | "retryAfterSeconds">;
  /** The address the queries come from (the component's domain). */
  readonly from: string;
  readonly timeoutMs: number;
  /** disco#info queries in flight at once: a service with many rooms is not flooded. */
  readonly concurrency?: number;
  /** Rooms asked for details; beyond that only the names from disco#items are listed. */
  readonly maxDetailed?: number;
}

/**
 * Each disco query of a listing waits at most this long (or XMPP_REST_IQ_TIMEOUT when
 * shorter): a service that takes longer than this to list its rooms is not going to,
 * and the default iq timeout (120 s) is meant for iqs a client chose to wait on.
 */
export const DIRECTORY_TIMEOUT_MS = 30_000;

/** 4 in flight keeps one listing's iqs well under the tracker's maxPending (default 1000). */
export const DIRECTORY_CONCURRENCY = 4;
/** Details for at most this many rooms: one listing costs at most this many iqs. */
export const DIRECTORY_MAX_DETAILED = 100;

export function createRoomDirectory(options: RoomDirectoryOptions): RoomDirectory {
  const { from, timeoutMs } = options;
  const concurrency = options.concurrency ?? DIRECTORY_CONCURRENCY;
  const maxDetailed = options.maxDetailed ?? DIRECTORY_MAX_DETAILED;

  const disco = async (to: string, ns: string): Promise<Element> => {
    const iq = xml(
      "iq",
      { type: "get", id: newIqId("disco"), to, from },
      xml("query", { xmlns: ns }),
    );
    const { reply } = await askIq(options.connection, iq, timeoutMs);
    return reply.getChild("query", ns) ?? xml("query", { xmlns: ns });
  };

  /** A room's details; a room that fails to answer keeps its listing without them. */
  const describe = async (item: { jid: string; name: string | null }): Promise<RoomListing> => {
    try {
      return roomInfo(item, await disco(item.jid, NS.discoInfo));
    } catch {
      return { ...item, description: null, occupants: null, features: [] };
    }
  };

  return {
    async list(service) {
      const { connection } = options;
      if (connection.state !== "online") throw connectionDown(connection);
      let items: Element;
      try {
        items = await disco(service, NS.discoItems);
      } catch (err) {
        throw serviceError(service, err);
      }
      const rooms = items
        .getChildren("item")
        .filter((item) => item.attrs.jid)
        .map((item) => ({ jid: item.attrs.jid as string, name: item.attrs.name || null }))
        .sort((a, b) => (a.jid < b.jid ? -1 : a.jid > b.jid ? 1 : 0));
      const detailed = rooms.slice(0, maxDetailed);
      const listed = await mapLimited(detailed, concurrency, describe);
      for (const room of rooms.slice(maxDetailed)) {
        listed.push({ ...room, description: null, occupants: null, features: [] });
      }
      return listed;
    },
  };
}

/**
 * What a service's refusal means to someone asking for its rooms: an address that
 * does not exist or does not route (item-not-found, remote-server-not-found) is 404;
 * a timeout stays 504; anything else keeps the service's condition and its status.
 */
function serviceError(service: string, err: unknown): unknown {
  if (!(err instanceof StanzaError)) return err;
  if (err.condition === "item-not-found" || err.condition === "remote-server-not-found") {
    return new StanzaError(err.type, err.condition, {
      text: err.text ?? `no service at ${service}`,
      status: 404,
      by: err.by,
    });
  }
  return err;
}

function roomInfo(item: { jid: string; name: string | null }, info: Element): RoomListing {
  const identity = info
    .getChildren("identity")
    .find((id) => id.attrs.category === "conference" && id.attrs.name);
  const form = findForm(info, NS.mucRoomInfo);
  const value = (name: string) => (form && fieldValues(form, name)?.[0]) || null;
  const occupants = value("muc#roominfo_occupants");
  return {
    jid: item.jid,
    // The room's own name first: ejabberd's disco#items name appends the occupant count
    // ("Lobby (3)"), which XEP-0045 §6.3 does not.
    name: identity?.attrs.name ?? item.name,
    description: value("muc#roominfo_description"),
    occupants: occupants !== null && /^\d+$/.test(occupants) ? Number(occupants) : null,
    features: info
      .getChildren("feature")
      .map((f) => f.attrs.var as string)
      .filter((v) => typeof v === "string" && v.startsWith("muc_"))
      .sort(),
  };
}

/** Maps with at most `limit` calls in flight, keeping the order of `items`. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      out[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
