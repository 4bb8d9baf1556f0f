import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { bearerAuth } from "../../../src/http/auth.js";

function app() {
  const hono = new Hono();
  hono.use("*", bearerAuth(["alpha-token", "beta-token"]));
  hono.get("/", (c) => c.text("ok"));
  return hono;
}

const get = (hono: Hono, authorization?: string) =>
  hono.request("/", authorization === undefined ? {} : { headers: { authorization } });

describe("bearerAuth", () => {
  it("returns 401 with WWW-Authenticate when the bearer token is missing or not a Bearer", async () => {
    const hono = app();
    for (const header of [undefined, "", "Basic YWxwaGE6eA==", "Bearer"]) {
      const res = await get(hono, header);
      expect(res.status, String(header)).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="xmpp-rest"');
    }
  });

  it("accepts every configured token, case-insensitively on the scheme", async () => {
    const hono = app();
    expect((await get(hono, "Bearer alpha-token")).status).toBe(200);
    expect((await get(hono, "bearer beta-token")).status).toBe(200);
  });

  it("keeps refusing wrong tokens after a right one was accepted (and cached)", async () => {
    const hono = app();
    expect((await get(hono, "Bearer alpha-token")).status).toBe(200);
    for (const wrong of [
      "Bearer alpha-toke",
      "Bearer alpha-tokenx",
      "Bearer ALPHA-TOKEN",
      "Bearer gamma",
    ]) {
      expect((await get(hono, wrong)).status, wrong).toBe(403);
    }
    expect((await get(hono, "Bearer alpha-token")).status).toBe(200);
  });

  it("stays correct when more distinct accepted headers arrive than it remembers", async () => {
    const hono = app();
    for (let i = 0; i < 200; i++) {
      const spaces = " ".repeat(1 + (i % 100));
      expect((await get(hono, `Bearer${spaces}beta-token`)).status).toBe(200);
    }
    expect((await get(hono, "Bearer beta")).status).toBe(403);
  });
});
