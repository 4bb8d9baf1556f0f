import xml, { type Element } from "@xmpp/xml";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config.js";
import { createApp } from "../../../src/http/app.js";
import { createIqTracker, type IqTracker } from "../../../src/xmpp/iq-tracker.js";
import { appDeps } from "../../helpers/app-deps.js";
import { fakeLink } from "../../helpers/fake-link.js";

const config = loadConfig({
  env: { XMPP_REST_DOMAIN: "rest.example.org", XMPP_REST_SECRET: "s", XMPP_REST_TOKENS: "tok" },
});

/** An in-memory link that answers every iq with an empty result from its addressee. */
function answeringLink(iqs: IqTracker, sent: Element[]) {
  return fakeLink(
    config.domain,
    (stanza) => {
      sent.push(stanza);
      if (stanza.name === "iq") {
        const { id, to, from } = stanza.attrs;
        queueMicrotask(() => iqs.handle(xml("iq", { type: "result", id, from: to, to: from })));
      }
    },
    iqs,
  );
}

let sent: Element[];
let link: ReturnType<typeof answeringLink>;
let app: ReturnType<typeof createApp>;
let stopDeps: () => void;

beforeEach(async () => {
  sent = [];
  const iqs = createIqTracker({ maxPending: 100 });
  link = answeringLink(iqs, sent);
  const deps = await appDeps(config, link);
  stopDeps = deps.stop;
  app = createApp(deps);
});

afterEach(() => stopDeps());

const post = (body: string, contentType: string, path = "/rest") =>
  app.request(path, {
    method: "POST",
    body,
    headers: { authorization: "Bearer tok", "content-type": contentType },
  });

describe("the HTTP app", () => {
  it("returns 401 when the bearer token is missing", async () => {
    const res = await app.request("/rest", { method: "POST", body: "<message/>" });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
  });

  it("asks for the token on every /rest route, with or without a trailing slash", async () => {
    const requests: [string, string][] = [
      ["POST", "/rest"],
      ["POST", "/rest/"],
      ["POST", "/rest/echo"],
      ["POST", "/rest/message/chat/a@example.org"],
      ["GET", "/rest/ping/example.org"],
      ["GET", "/rest/nothing-here"],
    ];
    for (const [method, path] of requests) {
      const res = await app.request(path, { method, ...(method === "POST" ? { body: "x" } : {}) });
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 401 });
    }
  });

  it("returns 503 with Retry-After while the link is down, without sending", async () => {
    link.state = "offline";
    const res = await post('<message to="a@example.org"/>', "application/xmpp+xml");
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(sent).toHaveLength(0);
  });

  it("answers an iq with the addressee's result", async () => {
    const res = await post(
      '<iq type="get" to="example.org" id="x"><ping xmlns="urn:xmpp:ping"/></iq>',
      "application/xmpp+xml",
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('id="x"');
  });

  it("never sends a stanza from outside the component's domain", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string(), fc.string(), async (local, domain) => {
        const from = `${local}@${domain}`.replace(/[<&"]/g, "");
        await post(`<message to="a@example.org" from="${from}"/>`, "application/xmpp+xml");
        for (const stanza of sent) {
          const jidDomain = (stanza.attrs.from ?? "").split("/")[0]?.split("@").pop();
          expect(jidDomain).toBe("rest.example.org");
        }
      }),
      { numRuns: 300 },
    );
  });

  it("answers random junk in every content type with a 4xx, never a 5xx", async () => {
    const contentTypes = fc.constantFrom(
      "application/xmpp+xml",
      "application/json",
      "application/x-www-form-urlencoded",
      "text/plain",
      "application/octet-stream",
    );
    const bodies = fc.oneof(
      fc.string(),
      fc.json(),
      fc.anything().map((v) => {
        try {
          return JSON.stringify(v) ?? "";
        } catch {
          return "";
        }
      }),
      fc.constantFrom(
        "<message/>",
        "<iq/>",
        "<a:b/>",
        '<message to="">',
        "{}",
        "[]",
        "null",
        "to=&body=",
      ),
    );
    const paths = fc.constantFrom(
      "/rest",
      "/rest/echo",
      "/rest/message/chat/a@example.org",
      "/rest/iq/get/example.org",
    );
    await fc.assert(
      fc.asyncProperty(bodies, contentTypes, paths, async (body, type, path) => {
        const res = await post(body, type, path);
        expect(res.status, `${type} ${path} ${body}`).toBeLessThan(500);
      }),
      { numRuns: 500 },
    );
  });

  it("answers random GET queries with a 2xx or 4xx", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("ping", "version", "disco", "items", "archive", "stats", "payload", "nope"),
        fc.string(),
        fc.string(),
        async (query, key, value) => {
          const url = `/rest/${query}/example.org?${new URLSearchParams({ [key]: value })}`;
          const res = await app.request(url, { headers: { authorization: "Bearer tok" } });
          expect(res.status).toBeLessThan(500);
        },
      ),
      { numRuns: 300 },
    );
  });
});
