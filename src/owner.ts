/**
 * Who streams, rooms, webhooks, history and tokens belong to (DESIGN, "Owners"): a bot (an
 * address at the component's domain) or, later, an account (an existing XMPP account logged
 * in over c2s). Everything below the HTTP layer keys its data by the owner's id, a string
 * namespaced by kind, so a bot and an account can never collide in the store.
 */

export type Owner =
  | { readonly kind: "bot"; readonly name: string }
  | { readonly kind: "account"; readonly jid: string };

/** The event stream of the global callback (stanzas to the component that no owner takes). */
export const GLOBAL_STREAM = "global";

export function botOwner(name: string): Owner {
  return { kind: "bot", name };
}

/** `bot:<name>` or `account:<bare jid>`: the key of everything the owner has in the store. */
export function ownerId(owner: Owner): string {
  return owner.kind === "bot" ? `bot:${owner.name}` : `account:${owner.jid}`;
}

/** The owner an id names; undefined for GLOBAL_STREAM and anything else not made by ownerId. */
export function ownerOf(id: string): Owner | undefined {
  if (id.startsWith("bot:") && id.length > 4) return { kind: "bot", name: id.slice(4) };
  if (id.startsWith("account:") && id.length > 8) return { kind: "account", jid: id.slice(8) };
  return undefined;
}

/** How messages name an owner: `bot "echo"`, `account alice@example.org`. */
export function describeOwner(owner: Owner): string {
  return owner.kind === "bot" ? `bot "${owner.name}"` : `account ${owner.jid}`;
}
