/**
 * An account's contacts, subscriptions and presence (README, "Accounts", "Contacts and
 * presence"), under /v1/accounts/{jid}/ and /v1/me/: the roster (RFC 6121 §2), subscription
 * steps (§3), the requests waiting for an answer, and the presence the account shows (§4).
 * The accounts' roster (src/accounts/roster.ts) decides; these read the request and answer.
 */
import { presenceSettings } from "../../../accounts/input.js";
import {
  type AccountRoster,
  type ContactView,
  contactJid,
  subscriptionAction,
} from "../../../accounts/roster.js";
import { notFound } from "../../../stanza/errors.js";
import type { BridgeApp, RouteDeps } from "../../env.js";
import type { Mount } from "../owners/mount.js";
import {
  deleteContactRoute,
  getPresenceRoute,
  listContactsRoute,
  putContactRoute,
  putPresenceRoute,
  requestsRoute,
  subscriptionRoute,
} from "./contacts.spec.js";

/** A contact in the answer's shape (absent fields as null). */
export function contactJson(contact: ContactView) {
  return {
    jid: contact.jid,
    name: contact.name ?? null,
    groups: [...contact.groups],
    subscription: contact.subscription,
    ask: contact.ask,
    approved: contact.approved,
    presence: [...contact.presence],
  };
}

export function registerContacts(
  app: BridgeApp,
  { accounts }: Pick<Required<RouteDeps>, "accounts">,
  mount: Mount,
): void {
  const rosterOf = (jid: string): AccountRoster => {
    const roster = accounts.rosterOf(jid);
    if (!roster) throw notFound(`no account ${jid}`);
    return roster;
  };

  app.openapi(listContactsRoute(mount), (c) => {
    const contacts = rosterOf(c.var.account.jid).contacts();
    contacts.sort((a, b) => a.jid.localeCompare(b.jid));
    return c.json(contacts.map(contactJson), 200);
  });

  app.openapi(putContactRoute(mount), async (c) => {
    const contact = contactJid(c.req.param("contact") ?? "");
    const body = c.req.valid("json");
    const groups = body.groups?.map((g) => g.trim()).filter((g) => g !== "");
    const saved = await rosterOf(c.var.account.jid).set(contact, {
      name: body.name === null ? "" : body.name,
      groups,
    });
    return c.json(contactJson(saved), 200);
  });

  app.openapi(deleteContactRoute(mount), async (c) => {
    const contact = contactJid(c.req.param("contact") ?? "");
    await rosterOf(c.var.account.jid).remove(contact);
    return c.body(null, 204);
  });

  app.openapi(subscriptionRoute(mount), async (c) => {
    const contact = contactJid(c.req.param("contact") ?? "");
    const action = subscriptionAction(c.req.valid("json").action);
    const state = await rosterOf(c.var.account.jid).subscription(contact, action);
    return c.json(contactJson(state), 202);
  });

  app.openapi(requestsRoute(mount), (c) => {
    const requests = rosterOf(c.var.account.jid).requests();
    return c.json(
      requests.map((r) => ({
        jid: r.jid,
        time: new Date(r.time).toISOString(),
        status: r.status ?? null,
      })),
      200,
    );
  });

  app.openapi(getPresenceRoute(mount), (c) => {
    const presence = accounts.presenceOf(c.var.account.jid) ?? {};
    return c.json(presenceJson(presence), 200);
  });

  app.openapi(putPresenceRoute(mount), async (c) => {
    const presence = presenceSettings(c.req.valid("json"), "");
    const shown = await accounts.setPresence(c.var.account.jid, presence);
    return c.json(presenceJson(shown), 200);
  });
}

function presenceJson(presence: ReturnType<typeof presenceSettings>) {
  return {
    available: presence.available !== false,
    show: presence.show ?? null,
    status: presence.status ?? null,
    ...(presence.priority !== undefined ? { priority: presence.priority } : {}),
  };
}
