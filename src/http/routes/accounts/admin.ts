/**
 * The accounts the operator keeps online (README, "Accounts"): PUT logs in and keeps one,
 * GET reads it (admin, or the account's own token), DELETE forgets it, GET /v1/accounts
 * lists them (admin). Nothing here ever shows a password, a key or a token but the one
 * generated at creation.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { ACCOUNT_STATES, type Account } from "../../../accounts/index.js";
import { accountJid, parseAccountInput } from "../../../accounts/input.js";
import { ownerId } from "../../../owner.js";
import type { Consumers } from "../../../stream/consumers.js";
import { accountSubject, requireAccount, requireAdmin } from "../../access.js";
import type { BridgeApp, RouteDeps } from "../../env.js";
import { authErrors, bearerSecurity, bodyErrors, errorResponse } from "../../schemas.js";
import { json } from "../bots/params.js";
import { AccountJid } from "../owners/mount.js";

const params = z.object({ jid: AccountJid });

const AccountSettingsBody = z
  .object({
    password: z
      .string()
      .openapi({ description: "The account's password (RFC 4013 SASLprep applies)" }),
    server: z.string().optional().openapi({
      description:
        "host:port to connect to; left out: DNS SRV (_xmpp-client._tcp, _xmpps-client._tcp), then the domain on 5222",
      example: "xmpp.example.org:5222",
    }),
    resource: z
      .string()
      .optional()
      .openapi({ description: "The resource to bind (default xmpp-rest)" }),
    presence: z
      .object({
        available: z
          .boolean()
          .optional()
          .openapi({ description: "false: no presence at login (unavailable)" }),
        show: z.enum(["away", "chat", "dnd", "xa"]).optional(),
        status: z.string().optional(),
        priority: z.number().int().optional(),
      })
      .optional()
      .openapi({ description: "The presence the account shows (RFC 6121 §4.7)" }),
    webhook: z
      .object({
        callbackUrl: z.string(),
        callbackSecret: z.string().optional(),
        callbackToken: z.string().optional(),
        callbackContentType: z.string().optional(),
      })
      .optional()
      .openapi({
        description: "The account's webhook, as a bot's; left out: it is pulled (events)",
      }),
    plaintext: z.boolean().optional().openapi({
      description: "No TLS: only with a loopback server (benchmarks, a server on the same host)",
    }),
  })
  .openapi("AccountSettings");

export const AccountView = z
  .object({
    jid: z.string(),
    state: z.enum(ACCOUNT_STATES).openapi({
      description:
        "online, connecting, auth-failed (the password was refused: PUT it again), tls-failed, disconnected",
    }),
    boundJid: z.string().nullable().openapi({ description: "The full JID of its session" }),
    server: z.string().nullable(),
    resource: z.string(),
    receives: z.enum(["webhook", "pull"]),
    callbackUrl: z.string().nullable(),
    features: z
      .object({ archive: z.boolean(), carbons: z.boolean(), streamManagement: z.boolean() })
      .openapi({ description: "What its server offers: XEP-0313, XEP-0280, XEP-0198" }),
    lastError: z.string().nullable(),
    tokens: z.number().int(),
    consumers: z.number().int().openapi({ description: "Stream consumers connected now" }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Account");

const AccountCreated = AccountView.extend({
  token: z.string().optional().openapi({
    description: "The account's token, generated at creation: shown this once, stored hashed",
  }),
}).openapi("AccountWithToken");

export function accountJson(account: Account, consumers: Pick<Consumers, "countFor">) {
  return {
    jid: account.jid,
    state: account.state,
    boundJid: account.boundJid ?? null,
    server: account.settings.server ?? null,
    resource: account.settings.resource,
    receives: account.webhook ? ("webhook" as const) : ("pull" as const),
    callbackUrl: account.webhook?.url ?? null,
    features: account.features,
    lastError: account.lastError ?? null,
    tokens: account.tokenCount,
    consumers: consumers.countFor(ownerId(accountSubject(account).owner)),
    createdAt: new Date(account.createdAt).toISOString(),
    updatedAt: new Date(account.updatedAt).toISOString(),
  };
}

const listRoute = createRoute({
  method: "get",
  path: "/v1/accounts",
  tags: ["accounts"],
  summary: "List the accounts kept online (admin)",
  security: bearerSecurity,
  responses: {
    200: json(z.object({ accounts: z.array(AccountView) }), "Every account, by JID"),
    ...authErrors,
  },
});

const putRoute = createRoute({
  method: "put",
  path: "/v1/accounts/{jid}",
  tags: ["accounts"],
  summary: "Log in as an account and keep it online (admin)",
  description:
    "Logs in (STARTTLS with the certificate verified, SCRAM) and answers once online: 201 with a generated token for a new account, 200 for an update. The password is sealed in the store (AES-256-GCM, XMPP_REST_SECRET_KEY), or replaced by the server's SCRAM keys where its salt is stable.",
  security: bearerSecurity,
  request: {
    params,
    body: { required: true, content: { "application/json": { schema: AccountSettingsBody } } },
  },
  responses: {
    200: json(AccountCreated, "Updated, online"),
    201: json(AccountCreated, "Added, online"),
    ...authErrors,
    ...bodyErrors,
    401: errorResponse("The server refused the credentials (auth-failed)"),
    409: errorResponse("No XMPP_REST_SECRET_KEY: accounts cannot be kept"),
    502: errorResponse("TLS (tls-failed) or the connection failed; the text names what"),
    504: errorResponse("The server did not answer in time"),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/accounts/{jid}",
  tags: ["accounts"],
  summary: "Read an account (admin, or the account's own token)",
  security: bearerSecurity,
  request: { params },
  responses: {
    200: json(AccountView, "The account"),
    ...authErrors,
    404: errorResponse("No such account"),
    422: errorResponse("Not a bare JID"),
  },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/v1/accounts/{jid}",
  tags: ["accounts"],
  summary: "Log out and forget an account (admin)",
  description: "Unavailable presence, the stream closed, its events, history and tokens forgotten.",
  security: bearerSecurity,
  request: { params },
  responses: {
    204: { description: "Forgotten; its open streams are closed with a reason" },
    ...authErrors,
    404: errorResponse("No such account"),
    422: errorResponse("Not a bare JID"),
  },
});

export function registerAccountAdmin(
  app: BridgeApp,
  { accounts, consumers }: Pick<Required<RouteDeps>, "accounts" | "consumers">,
): void {
  app.openapi(listRoute, (c) => {
    requireAdmin(c.var.principal);
    return c.json({ accounts: accounts.list().map((a) => accountJson(a, consumers)) }, 200);
  });

  app.openapi(putRoute, async (c) => {
    requireAdmin(c.var.principal);
    const jid = accountJid(c.req.valid("param").jid);
    const input = parseAccountInput(await c.req.json());
    const { account, created, token } = await accounts.put(jid, input);
    const key = ownerId(accountSubject(account).owner);
    if (account.webhook) consumers.closeAll("the account now receives by webhook", key);
    const body = { ...accountJson(account, consumers), ...(token ? { token } : {}) };
    return created ? c.json(body, 201) : c.json(body, 200);
  });

  app.openapi(getRoute, (c) => {
    const account = requireAccount(c.var.principal, accounts, c.req.valid("param").jid);
    return c.json(accountJson(account, consumers), 200);
  });

  app.openapi(deleteRoute, async (c) => {
    requireAdmin(c.var.principal);
    const account = requireAccount(c.var.principal, accounts, c.req.valid("param").jid);
    await accounts.delete(account.jid);
    consumers.closeAll("the account was deleted", ownerId(accountSubject(account).owner));
    return c.body(null, 204);
  });
}
