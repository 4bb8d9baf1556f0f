import { createRoute, z } from "@hono/zod-openapi";
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config.js";
import { createApp } from "../../../src/http/app.js";
import type { AccountsApi, BridgeApp } from "../../../src/http/env.js";
import { authErrors, bearerSecurity, bodyErrors, ErrorBody } from "../../../src/http/schemas.js";
import type { Link } from "../../../src/xmpp/link.js";
import { appDeps } from "../../helpers/app-deps.js";

const config = loadConfig({
  env: { XMPP_REST_DOMAIN: "rest.example.org", XMPP_REST_SECRET: "s", XMPP_REST_TOKENS: "tok" },
});

const link: Pick<Link, "state" | "retryAfterSeconds" | "send"> = {
  state: "online",
  retryAfterSeconds: () => 1,
  send: async () => {},
};

type Spec = {
  openapi: string;
  paths: Record<
    string,
    Record<string, { security?: unknown[]; responses: Record<string, unknown> }>
  >;
};

let app: BridgeApp;
let stopDeps: () => void;

beforeEach(async () => {
  const deps = await appDeps(config, link as Link);
  stopDeps = deps.stop;
  app = createApp(deps);
});

afterEach(() => stopDeps());

async function spec(): Promise<Spec> {
  const res = await app.request("/openapi.json");
  expect(res.status).toBe(200);
  return (await res.json()) as Spec;
}

describe("GET /openapi.json", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const document = await spec();
    expect(document.openapi).toBe("3.1.0");
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("describes every route the app serves, and nothing it does not", async () => {
    const document = await spec();
    const served = app.routes
      .filter((r) => r.method !== "ALL")
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)(\{[^}]*\})?/g, "{$1}")}`);
    const described = Object.entries(document.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method} ${path}`),
    );
    expect(new Set(described)).toEqual(new Set(served));
    expect(described).toEqual(
      expect.arrayContaining([
        "post /rest",
        "post /rest/{kind}/{type}/{to}",
        "get /rest/{query}/{to}",
        "get /health",
        "get /openapi.json",
      ]),
    );
  });

  it("marks the token-protected operations with bearer auth and their 401/403 bodies", async () => {
    const document = await spec();
    for (const [path, ops] of Object.entries(document.paths)) {
      if (!path.startsWith("/rest")) continue;
      for (const op of Object.values(ops)) {
        expect(op.security).toEqual([{ bearer: [] }]);
        expect(op.responses).toHaveProperty("401");
        expect(op.responses).toHaveProperty("403");
      }
    }
  });

  it("describes the error body the bridge really sends", async () => {
    const res = await app.request("/rest", {
      method: "POST",
      headers: { accept: "application/json" },
    });
    expect(res.status).toBe(401);
    expect(ErrorBody.safeParse(await res.json()).success).toBe(true);
  });
});

describe("a /v1 route built on the documented pattern", () => {
  const Thing = z.object({ name: z.string().min(1), size: z.number().int() });
  const addThing = (target: BridgeApp) =>
    target.openapi(
      createRoute({
        method: "post",
        path: "/v1/things",
        security: bearerSecurity,
        request: { body: { required: true, content: { "application/json": { schema: Thing } } } },
        responses: {
          201: { description: "ok", content: { "application/json": { schema: Thing } } },
          ...authErrors,
          ...bodyErrors,
        },
      }),
      (c) => c.json(c.req.valid("json"), 201),
    );

  const postThing = (body: string, contentType = "application/json") =>
    app.request("/v1/things", {
      method: "POST",
      body,
      headers: { "content-type": contentType, accept: "application/json" },
    });

  beforeEach(() => {
    addThing(app);
  });

  it("accepts a body that matches its schema", async () => {
    const res = await postThing('{"name":"a","size":2}');
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ name: "a", size: 2 });
  });

  it("answers 422 in the bridge's error format when the JSON misses the schema", async () => {
    const res = await postThing('{"name":"","size":"big"}');
    expect(res.status).toBe(422);
    const body = ErrorBody.parse(await res.json());
    expect(body.error.condition).toBe("bad-request");
    expect(body.error.text).toContain("name");
    expect(body.error.text).toContain("size");
  });

  it("answers 400 in the bridge's error format when the body is not JSON", async () => {
    const res = await postThing("{not json");
    expect(res.status).toBe(400);
    expect(ErrorBody.parse(await res.json()).error.type).toBe("modify");
  });

  it("answers 415 in the bridge's error format for another media type", async () => {
    const res = await postThing("name=a", "application/x-www-form-urlencoded");
    expect(res.status).toBe(415);
    expect(ErrorBody.parse(await res.json()).error.condition).toBe("bad-format");
  });

  it("appears in the spec with its schemas", async () => {
    const operation = (await spec()).paths["/v1/things"]?.post;
    expect(operation?.responses).toHaveProperty("422");
    expect((await new Validator().validate(await spec())).valid).toBe(true);
  });
});

describe("the routes bots and accounts share", () => {
  // No account is kept here: the spec is what is checked, not the accounts.
  const accounts = {
    get: () => undefined,
    list: () => [],
    put: async () => {
      throw new Error("not here");
    },
    delete: async () => false,
    history: async () => {
      throw new Error("not here");
    },
  } as unknown as AccountsApi;

  type Operation = {
    security?: unknown[];
    requestBody?: unknown;
    parameters?: { name: string; in: string }[];
    responses: Record<string, unknown>;
  };
  const operations = async (target: BridgeApp) => {
    const res = await target.request("/openapi.json");
    return ((await res.json()) as { paths: Record<string, Record<string, Operation>> }).paths;
  };

  it.each([
    ["patch", "/messages/{id}"],
    ["delete", "/messages/{id}"],
    ["put", "/messages/{id}/reactions"],
    ["post", "/messages/{id}/read"],
    ["post", "/typing"],
    ["post", "/files"],
    ["delete", "/rooms/{room}/messages/{id}"],
  ])(
    "describes %s %s for a bot, an account and /v1/me with the same body",
    async (method, path) => {
      const deps = await appDeps(config, link as Link);
      try {
        const paths = await operations(createApp({ ...deps, accounts }));
        const bot = paths[`/v1/bots/{name}${path}`]?.[method];
        const account = paths[`/v1/accounts/{jid}${path}`]?.[method];
        const me = paths[`/v1/me${path}`]?.[method];
        expect(bot && account && me).toBeTruthy();
        expect(account?.requestBody).toEqual(bot?.requestBody);
        expect(me?.requestBody).toEqual(bot?.requestBody);
        const names = (op?: Operation) =>
          (op?.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name);
        const own = names(bot).filter((n) => n !== "name");
        expect(names(account)).toEqual(["jid", ...own]);
        expect(names(me)).toEqual(own);
        // Every status a bot's call answers, an account's answers too (and 422 for a bad JID).
        expect(Object.keys(account?.responses ?? {})).toEqual(
          expect.arrayContaining(Object.keys(bot?.responses ?? {})),
        );
        expect(account?.responses).toHaveProperty("422");
        expect(me?.security).toEqual([{ bearer: [] }, { basic: [] }]);
      } finally {
        deps.stop();
      }
    },
  );

  it("is a valid document with the accounts' routes, and keeps command menus for bots only", async () => {
    const deps = await appDeps(config, link as Link);
    try {
      const res = await createApp({ ...deps, accounts }).request("/openapi.json");
      const document = (await res.json()) as Spec;
      expect((await new Validator().validate(document)).errors).toBeUndefined();
      const paths = Object.keys(document.paths);
      expect(paths).toContain("/v1/bots/{name}/commands");
      expect(paths.some((p) => p.includes("commands") && !p.startsWith("/v1/bots/"))).toBe(false);
    } finally {
      deps.stop();
    }
  });
});
