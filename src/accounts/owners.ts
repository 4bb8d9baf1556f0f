/**
 * Accounts as owners: which address is an account's (the way out checks scopes by it), and
 * each account's seat in rooms: its own full JID on its own session (DESIGN, "Seats").
 */
import type { OwnerDirectory } from "../outbound/scope.js";
import type { Owner } from "../owner.js";
import { ownerId } from "../owner.js";
import type { Seats } from "../rooms/seat.js";
import { bareJid, type Jid, jidToString, parseJid } from "../stanza/jid.js";
import type { Accounts } from "./index.js";

export interface AccountOwners extends OwnerDirectory, Seats {
  /** The account an inbound `to` names (any resource of its JID). */
  ownerAt(to: Jid): Owner | undefined;
  /** Whether an address is one of the accounts' (what their sessions serve). */
  serves(to: Jid): boolean;
}

export function createAccountOwners(
  accounts: Pick<Accounts, "get" | "connectionOf" | "onChange" | "bookmark" | "unbookmark">,
): AccountOwners {
  const ownerAt = (to: Jid): Owner | undefined => {
    const jid = jidToString(bareJid(to));
    return accounts.get(jid) ? { kind: "account", jid } : undefined;
  };
  return {
    ownerOf(address) {
      const jid = parseJid(address);
      return jid && ownerAt(jid);
    },
    addressOf: (owner) => (owner.kind === "account" ? owner.jid : ""),
    ownerAt,
    serves: (to) => ownerAt(to) !== undefined,
    seatOf(owner) {
      if (owner.kind !== "account") return undefined;
      const connection = accounts.connectionOf(owner.jid);
      const account = accounts.get(owner.jid);
      if (!connection || !account) return undefined;
      return {
        owner,
        key: ownerId(owner),
        address: connection.boundJid ?? `${owner.jid}/${account.settings.resource}`,
        nick: owner.jid.slice(0, owner.jid.indexOf("@")),
        connection,
      };
    },
    autoJoins: () => false,
    // The account's other clients see the rooms it is in (XEP-0402).
    joined(owner, room, nick) {
      if (owner.kind === "account") accounts.bookmark(owner.jid, { room, nick, autojoin: true });
    },
    left(owner, room) {
      if (owner.kind === "account") accounts.unbookmark(owner.jid, room);
    },
    onRemoved(listener) {
      return accounts.onChange((jid) => {
        if (!accounts.get(jid)) listener({ kind: "account", jid });
      });
    },
  };
}
