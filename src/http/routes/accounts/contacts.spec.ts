/**
 * The spec of an account's contacts, subscriptions and presence (./contacts.ts): schemas and
 * operations, published in the OpenAPI document under /v1/accounts/{jid}/ and /v1/me/.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { SUBSCRIPTION_ACTIONS } from "../../../accounts/roster.js";
import { SUBSCRIPTION_STATES } from "../../../store/contacts.js";
import { accountSecurity, authErrors, bodyErrors, errorResponse } from "../../schemas.js";
import { json } from "../bots/params.js";
import { type Mount, paramsOf as ownerParams, paramsWith } from "../owners/mount.js";

const ContactJid = z.string().openapi({
  description: "The contact's bare JID",
  example: "bob@example.org",
});

const ContactPresence = z
  .object({
    resource: z.string(),
    show: z.enum(["chat", "away", "xa", "dnd"]).nullable().openapi({
      description: "null: plainly available (RFC 6121 §4.7.2.1)",
    }),
    status: z.string().nullable(),
    priority: z.number().int(),
  })
  .openapi("ContactPresence");

export const Contact = z
  .object({
    jid: z.string(),
    name: z.string().nullable(),
    groups: z.array(z.string()),
    subscription: z.enum(SUBSCRIPTION_STATES).openapi({
      description:
        "RFC 6121 §2.1.2.5: to (the account sees the contact's presence), from (the contact sees the account's), both, none",
    }),
    ask: z.boolean().openapi({
      description: "The account asked to see the contact's presence; no answer yet",
    }),
    approved: z.boolean().openapi({
      description: "The account pre-approved the contact's request (RFC 6121 §3.4)",
    }),
    presence: z.array(ContactPresence).openapi({
      description: "The contact's available resources, highest priority first; [] offline",
    }),
  })
  .openapi("Contact");

const ContactBody = z
  .object({
    name: z.string().nullable().optional().openapi({ description: 'null or "": no name' }),
    groups: z.array(z.string()).optional(),
  })
  .strict()
  .openapi("ContactSettings");

const SubscriptionBody = z
  .object({
    action: z.string().openapi({
      description: `One of ${SUBSCRIPTION_ACTIONS.join(", ")}: request (ask to see the contact's presence), approve (let the contact see the account's, or pre-approve where the server offers it), deny (refuse a pending request), cancel (stop the contact seeing the account's presence), unsubscribe (stop seeing the contact's)`,
      example: "approve",
    }),
  })
  .strict()
  .openapi("SubscriptionAction");

const SubscriptionRequest = z
  .object({
    jid: z.string(),
    time: z.string().openapi({ description: "When it arrived (RFC 3339)" }),
    status: z.string().nullable().openapi({ description: "The text it came with" }),
  })
  .openapi("SubscriptionRequest");

export const Presence = z
  .object({
    available: z.boolean().optional().openapi({ description: "false: unavailable" }),
    show: z.enum(["chat", "away", "xa", "dnd"]).nullable().optional(),
    status: z.string().nullable().optional(),
    priority: z.number().int().min(-128).max(127).optional(),
  })
  .openapi("OwnPresence");

const notOnline = errorResponse("The account's session is down (Retry-After says when to retry)");

export const listContactsRoute = (mount: Mount) =>
  createRoute({
    method: "get",
    path: "/contacts",
    tags: [mount.tag],
    summary: `The contacts of ${mount.noun} (its roster, RFC 6121 §2) with their presence`,
    security: accountSecurity,
    request: ownerParams(mount),
    responses: {
      200: json(z.array(Contact), "The contacts, by JID"),
      ...authErrors,
      404: errorResponse(mount.missing),
      422: errorResponse("The JID is not a bare JID"),
    },
  });

export const putContactRoute = (mount: Mount) =>
  createRoute({
    method: "put",
    path: "/contacts/{contact}",
    tags: [mount.tag],
    summary: "Add or change a contact (a roster set, RFC 6121 §2.3)",
    description:
      "Name and groups; the subscription is changed with POST .../subscription. The server's refusal is the status.",
    security: accountSecurity,
    request: {
      ...paramsWith(mount, { contact: ContactJid }),
      body: { required: true, content: { "application/json": { schema: ContactBody } } },
    },
    responses: {
      200: json(Contact, "The contact as it is now"),
      ...authErrors,
      ...bodyErrors,
      404: errorResponse(mount.missing),
      503: notOnline,
    },
  });

export const deleteContactRoute = (mount: Mount) =>
  createRoute({
    method: "delete",
    path: "/contacts/{contact}",
    tags: [mount.tag],
    summary: "Remove a contact (RFC 6121 §2.5: the subscriptions both ways end with it)",
    security: accountSecurity,
    request: paramsWith(mount, { contact: ContactJid }),
    responses: {
      204: { description: "Removed" },
      ...authErrors,
      404: errorResponse("No such account, or the contact is not in the roster"),
      422: errorResponse("The contact is not a bare JID"),
      503: notOnline,
    },
  });

export const subscriptionRoute = (mount: Mount) =>
  createRoute({
    method: "post",
    path: "/contacts/{contact}/subscription",
    tags: [mount.tag],
    summary: "A presence subscription step (RFC 6121 §3)",
    security: accountSecurity,
    request: {
      ...paramsWith(mount, { contact: ContactJid }),
      body: { required: true, content: { "application/json": { schema: SubscriptionBody } } },
    },
    responses: {
      202: json(Contact, "Sent; the contact as it was (the server's push brings the new state)"),
      ...authErrors,
      ...bodyErrors,
      404: errorResponse(mount.missing),
      409: errorResponse("The contact's subscription state does not allow it (the text says it)"),
      503: notOnline,
    },
  });

export const requestsRoute = (mount: Mount) =>
  createRoute({
    method: "get",
    path: "/subscription-requests",
    tags: [mount.tag],
    summary: "Requests to see the account's presence, until they are answered",
    security: accountSecurity,
    request: ownerParams(mount),
    responses: {
      200: json(z.array(SubscriptionRequest), "Oldest first"),
      ...authErrors,
      404: errorResponse(mount.missing),
    },
  });

export const getPresenceRoute = (mount: Mount) =>
  createRoute({
    method: "get",
    path: "/presence",
    tags: [mount.tag],
    summary: `The presence ${mount.noun} shows`,
    security: accountSecurity,
    request: ownerParams(mount),
    responses: {
      200: json(Presence, "Its presence"),
      ...authErrors,
      404: errorResponse(mount.missing),
    },
  });

export const putPresenceRoute = (mount: Mount) =>
  createRoute({
    method: "put",
    path: "/presence",
    tags: [mount.tag],
    summary: `Set the presence ${mount.noun} shows (RFC 6121 §4)`,
    description:
      '{"show": null|"chat"|"away"|"xa"|"dnd", "status": "...", "priority": 0}, or {"available": false}. Shown now and at every later login (an operator\'s account keeps it).',
    security: accountSecurity,
    request: {
      ...ownerParams(mount),
      body: { required: true, content: { "application/json": { schema: Presence } } },
    },
    responses: {
      200: json(Presence, "The presence now shown"),
      ...authErrors,
      ...bodyErrors,
      404: errorResponse(mount.missing),
      503: notOnline,
    },
  });
