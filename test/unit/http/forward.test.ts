import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Element } from "@xmpp/xml";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config.js";
import { createApp } from "../../../src/http/app.js";
import { newApp } from "../../../src/http/env.js";
import { errorResponse } from "../../../src/http/errors.js";
import { FORWARDED_HEADER, forwardToHolder } from "../../../src/http/forward.js";
import { StanzaError } from "../../../src/stanza/errors.js";
import { appDeps } from "../../helpers/app-deps.js";
import { fakeLink } from "../../helpers/fake-link.js";

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

let holder: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (holder ? holder.close(() => resolve()) : resolve()));
  holder = undefined;
});

/** A real HTTP server standing for the process that holds the link. */
async function startHolder(seen: Seen[]): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      res.writeHead(200, { "content-type": "application/json", "x-from": "holder" });
      res.end('{"served":"by the holder"}');
    });
  });
  holder = server;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function app(location: { local: () => boolean; url: () => Promise<string | undefined> }) {
  const app = newApp();
  app.onError((err, c) =>
    err instanceof StanzaError
      ? errorResponse(c, err, err.retryAfter ? { "retry-after": String(err.retryAfter) } : {})
      : c.text("bug", 500),
  );
  app.use("/v1/bots/:name/rooms/*", forwardToHolder(location, { timeoutMs: 2_000 }));
  app.put("/v1/bots/:name/rooms/:room", (c) => c.json({ served: "here" }));
  return app;
}

describe("requests only the link holder can serve", () => {
  it("are passed to the holder as they came (token, body, query) and its answer passed back", async () => {
    const seen: Seen[] = [];
    const url = await startHolder(seen);
    const res = await app({ local: () => false, url: async () => url }).request(
      "/v1/bots/b/rooms/r@muc?x=1",
      {
        method: "PUT",
        headers: { authorization: "Bearer t", "content-type": "application/json" },
        body: '{"nick":"B"}',
      },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("x-from")).toBe("holder");
    expect(await res.json()).toEqual({ served: "by the holder" });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      method: "PUT",
      url: "/v1/bots/b/rooms/r@muc?x=1",
      body: '{"nick":"B"}',
    });
    expect(seen[0]?.headers.authorization).toBe("Bearer t");
    expect(seen[0]?.headers[FORWARDED_HEADER]).toBe("1");
  });

  it("are served here by the holder, and by whoever a request was passed to (never passed on again)", async () => {
    const far = async () => "http://127.0.0.1:1";
    const local = await app({ local: () => true, url: far }).request("/v1/bots/b/rooms/r", {
      method: "PUT",
    });
    expect(await local.json()).toEqual({ served: "here" });
    const passed = await app({ local: () => false, url: far }).request("/v1/bots/b/rooms/r", {
      method: "PUT",
      headers: { [FORWARDED_HEADER]: "1" },
    });
    expect(await passed.json()).toEqual({ served: "here" });
  });

  it("get 503 with Retry-After while nobody holds the link, or the holder does not answer", async () => {
    const nobody = await app({ local: () => false, url: async () => undefined }).request(
      "/v1/bots/b/rooms/r",
      { method: "PUT" },
    );
    expect(nobody.status).toBe(503);
    expect(nobody.headers.get("retry-after")).toBe("1");
    const gone = await app({ local: () => false, url: async () => "http://127.0.0.1:1" }).request(
      "/v1/bots/b/rooms/r",
      { method: "PUT" },
    );
    expect(gone.status).toBe(503);
    expect(await gone.text()).toMatch(/did not answer/);
  });
});

describe("a bot's requests on a process that does not hold the link", () => {
  const config = loadConfig({
    env: { XMPP_REST_DOMAIN: "rest.example.org", XMPP_REST_SECRET: "s", XMPP_REST_TOKENS: "tok" },
  });

  it("pass what lives with the link to the holder (rooms, calls on a sent message, typing, files, commands) and serve sending, history and events here", async () => {
    const seen: Seen[] = [];
    const url = await startHolder(seen);
    const sent: Element[] = [];
    const link = fakeLink(config.domain, (stanza) => sent.push(stanza));
    const deps = await appDeps(config, link);
    try {
      const app = createApp({ ...deps, holder: { local: () => false, url: async () => url } });
      const call = (method: string, path: string, body?: string) =>
        app.request(`/v1/bots/b${path}`, {
          method,
          headers: { authorization: "Bearer tok", "content-type": "application/json" },
          ...(body === undefined ? {} : { body }),
        });
      expect((await call("PUT", "", "{}")).status).toBeLessThan(300);
      const passed: [string, string, string?][] = [
        ["GET", "/rooms"],
        ["PUT", "/rooms/r@muc.example.org", '{"nick":"B"}'],
        ["PUT", "/messages/abc", '{"body":"fixed"}'],
        ["DELETE", "/messages/abc"],
        ["PUT", "/messages/abc/reactions", '{"reactions":["👍"]}'],
        ["POST", "/typing", '{"to":"a@example.org","state":"composing"}'],
        ["POST", "/files?to=a@example.org", "file bytes"],
        ["GET", "/commands"],
        ["POST", "/commands/s1", '{"status":"completed"}'],
      ];
      for (const [method, path, body] of passed) {
        const res = await call(method, path, body);
        expect({ method, path, from: res.headers.get("x-from") }).toEqual({
          method,
          path,
          from: "holder",
        });
      }
      expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(
        passed.map(([method, path]) => `${method} /v1/bots/b${path}`),
      );
      expect(seen.find((s) => s.url.includes("/files"))?.body).toBe("file bytes");

      const here: [string, string, string?][] = [
        ["POST", "/messages", '{"to":"a@example.org","body":"hi"}'],
        ["GET", "/messages"],
        ["GET", "/events?wait=0"],
      ];
      for (const [method, path, body] of here) {
        const res = await call(method, path, body);
        expect({ method, path, from: res.headers.get("x-from"), ok: res.ok }).toEqual({
          method,
          path,
          from: null,
          ok: true,
        });
      }
      expect(seen).toHaveLength(passed.length);
      expect(sent.map((s) => s.getChildText("body"))).toEqual(["hi"]);
    } finally {
      deps.stop();
    }
  });

  it("pass the accounts' requests to the holder, where their sessions are: their routes, /v1/me, and /rest with Basic or a token not known here", async () => {
    const seen: Seen[] = [];
    const url = await startHolder(seen);
    const sent: Element[] = [];
    const link = fakeLink(config.domain, (stanza) => sent.push(stanza));
    const deps = await appDeps(config, link);
    const nowhere = () => Promise.reject(new Error("served here"));
    try {
      const app = createApp({
        ...deps,
        accounts: {
          get: () => undefined,
          list: () => [],
          put: nowhere,
          delete: nowhere,
          history: nowhere,
          rosterOf: () => undefined,
          conversationsOf: () => undefined,
          presenceOf: () => undefined,
          setPresence: nowhere,
          markRead: nowhere,
        },
        holder: { local: () => false, url: async () => url },
      });
      const basic = `Basic ${Buffer.from("amy@example.org:pw").toString("base64")}`;
      const passed: [string, string, string][] = [
        ["GET", "/v1/accounts", "Bearer tok"],
        ["PUT", "/v1/accounts/amy@example.org", "Bearer tok"],
        ["GET", "/v1/accounts/amy@example.org/events?wait=0", "Bearer account-token"],
        ["GET", "/v1/me", basic],
        ["POST", "/rest", basic],
        ["POST", "/rest", "Bearer account-token"],
      ];
      for (const [method, path, authorization] of passed) {
        const res = await app.request(path, {
          method,
          headers: { authorization, "content-type": "application/xmpp+xml" },
          ...(method === "GET"
            ? {}
            : { body: "<message to='a@example.org'><body>x</body></message>" }),
        });
        expect({ method, path, from: res.headers.get("x-from") }).toEqual({
          method,
          path,
          from: "holder",
        });
      }
      expect(seen).toHaveLength(passed.length);
      // An admin's (or a bot's) /rest is served where it lands.
      const here = await app.request("/rest", {
        method: "POST",
        headers: { authorization: "Bearer tok", "content-type": "application/xmpp+xml" },
        body: "<message to='a@example.org'><body>here</body></message>",
      });
      expect(here.status).toBe(202);
      expect(here.headers.get("x-from")).toBeNull();
      expect(sent.map((s) => s.getChildText("body"))).toEqual(["here"]);
    } finally {
      deps.stop();
    }
  });
});
