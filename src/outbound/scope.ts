import type { Element } from "@xmpp/xml";
import { describePrincipal, type Principal } from "../access/principal.js";
import type { Owner } from "../owner.js";
import { forbidden } from "../stanza/errors.js";
import { bareJid, type JidParser, jidToString } from "../stanza/jid.js";

/** Which owner an address belongs to, and each owner's address. */
export interface OwnerDirectory {
  /** The owner an address (any resource) belongs to, if any. */
  ownerOf(address: string): Owner | undefined;
  /** The owner's bare address (a bot's name@domain, an account's JID). */
  addressOf(owner: Owner): string;
}

/**
 * An owner's token may only act as that owner (README, "What a bot's token may do"): its
 * stanzas must be from its own address, any resource. An admin may use any `from` the
 * connection allows (checked by prepareOutgoing and again by the connection).
 */
export function checkScope(
  principal: Principal,
  stanza: Element,
  owners: Pick<OwnerDirectory, "addressOf">,
  parseJid: JidParser,
): void {
  if (principal.kind === "admin") return;
  const address = owners.addressOf(principal);
  const from = parseJid(stanza.attrs.from ?? "");
  if (!from || jidToString(bareJid(from)) !== address) {
    throw forbidden(`${describePrincipal(principal)} may only send as ${address} (any resource)`);
  }
}

/** The directories of bots and of accounts as one: each owner's own kind answers for it. */
export function combineDirectories(bots: OwnerDirectory, accounts: OwnerDirectory): OwnerDirectory {
  return {
    ownerOf: (address) => bots.ownerOf(address) ?? accounts.ownerOf(address),
    addressOf: (owner) => (owner.kind === "bot" ? bots : accounts).addressOf(owner),
  };
}
