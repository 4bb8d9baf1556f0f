import { describeOwner, type Owner } from "../owner.js";

/**
 * Who a request acts for, as its token (or credentials) says: an admin (XMPP_REST_TOKENS), who
 * may act for every owner, or one owner (a bot today, an account next), who may act only for
 * itself.
 */
export type Principal = { readonly kind: "admin" } | Owner;

export const ADMIN: Principal = Object.freeze({ kind: "admin" });

/** Whether the principal may act for this owner: an admin for all, an owner for itself. */
export function actsFor(principal: Principal, owner: Owner): boolean {
  if (principal.kind === "admin") return true;
  if (principal.kind === "bot") return owner.kind === "bot" && owner.name === principal.name;
  return owner.kind === "account" && owner.jid === principal.jid;
}

/** How an error names the principal: `bot "echo"`, `account alice@example.org`, `admin`. */
export function describePrincipal(principal: Principal): string {
  return principal.kind === "admin" ? "admin" : describeOwner(principal);
}
