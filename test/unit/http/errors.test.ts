/**
 * Every error path of the HTTP API, in every request format: an error comes in the format
 * Accept asks for; without Accept (or with only the wildcard), in the request's own format;
 * plain text when neither names one the bridge writes (README, "Sending").
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config.js";
import { createApp } from "../../../src/http/app.js";
import { createIqTracker, type IqTracker } from "../../../src/xmpp/iq-tracker.js";
import { linkDownError } from "../../../src/xmpp/link.js";
import { appDeps } from "../../helpers/app-deps.js";
import { fakeLink } from "../../helpers/fake-link.js";

const config = loadConfig({
  env: {
    XMPP_REST_DOMAIN: "rest.example.org",
    XMPP_REST_SECRET: "s",
    XMPP_REST_TOKENS: "tok",
    XMPP_REST_STANZA_SIZE_LIMIT: "2048",
    XMPP_REST_MAX_PENDING_IQ: "1",
  },
});

/** A link that never answers iqs (so they wait), and can be taken down. */
const quietLink = (iqs: IqTracker) => fakeLink(config.domain, () => {}, iqs);

let link: ReturnType<typeof quietLink>;
let iqs: IqTracker;
let app: ReturnType<typeof createApp>;
let stopDeps: () => void = () => {};

beforeEach(async () => {
  iqs = createIqTracker({ maxPending: 1 });
  link = quietLink(iqs);
  const deps = await appDeps(config, link);
  stopDeps = deps.stop;
  app = createApp(deps);
});

afterEach(() => stopDeps());

type Format = "json" | "form" | "xml" | "text";
const TYPES: Record<Format, string> = {
  json: "application/json",
  form: "application/x-www-form-urlencoded",
  xml: "application/xmpp+xml",
  text: "text/plain",
};

/** The format of an error body, checked to be a well-formed error of that format. */
async function errorFormat(res: Response, condition: string): Promise<Format> {
  const type = res.headers.get("content-type") ?? "";
  const body = await res.text();
  if (type.startsWith(TYPES.json)) {
    expect(JSON.parse(body)).toMatchObject({
      type: "error",
      code: res.status,
      error: { condition },
    });
    return "json";
  }
  if (type.startsWith(TYPES.form)) {
    const form = new URLSearchParams(body);
    expect(form.get("type")).toBe("error");
    expect(form.get("code")).toBe(String(res.status));
    expect(form.get("error.condition")).toBe(condition);
    expect(form.get("error.type")).toMatch(/^(auth|cancel|continue|modify|wait)$/);
    return "form";
  }
  if (type.startsWith(TYPES.xml)) {
    expect(body).toMatch(/^<error xmlns="http:\/\/etherx\.jabber\.org\/streams">/);
    expect(body).toContain(`<${condition} xmlns="urn:ietf:params:xml:ns:xmpp-streams"/>`);
    return "xml";
  }
  expect(type).toMatch(/^text\/plain/);
  expect(body.startsWith(condition)).toBe(true);
  return "text";
}

interface ErrorCase {
  name: string;
  status: number;
  condition: string;
  /** The request per format; a format left out cannot reach this error. */
  bodies: Partial<Record<Format, string>>;
  path?: string;
  headers?: Record<string, string>;
  setup?: () => void | Promise<void>;
}

const big = "x".repeat(4096);
const CASES: ErrorCase[] = [
  {
    name: "no credentials",
    status: 401,
    condition: "not-authorized",
    headers: { authorization: "" },
    bodies: { json: "{}", form: "", xml: "<message/>", text: "x" },
  },
  {
    name: "a token not accepted",
    status: 403,
    condition: "forbidden",
    headers: { authorization: "Bearer nope" },
    bodies: { json: "{}", form: "", xml: "<message/>", text: "x" },
  },
  {
    name: "a body that does not parse",
    status: 400,
    condition: "not-well-formed",
    bodies: { json: '{"to":', xml: "<message" },
  },
  {
    name: "a field the mapping refuses",
    status: 422,
    condition: "bad-request",
    bodies: {
      json: '{"to":"a@b.example","priority":"high"}',
      form: "to=a@b.example&priority=high",
    },
  },
  {
    name: "no recipient",
    status: 422,
    condition: "improper-addressing",
    path: "/rest",
    bodies: {
      json: '{"body":"x"}',
      form: "body=x",
      xml: "<message><body>x</body></message>",
      text: "x",
    },
  },
  {
    name: "a from outside the component's domain",
    status: 403,
    condition: "forbidden",
    bodies: {
      json: '{"to":"a@b.example","from":"x@evil.example","body":"x"}',
      form: "to=a@b.example&from=x%40evil.example&body=x",
      xml: '<message to="a@b.example" from="x@evil.example"/>',
    },
  },
  {
    name: "an iq with two children",
    status: 422,
    condition: "bad-format",
    bodies: {
      xml: '<iq type="get" to="b.example"><ping xmlns="urn:xmpp:ping"/><x xmlns="y"/></iq>',
      json: '{"type":"get","to":"b.example","ping":true,"version":true}',
      form: "type=get&to=b.example&ping=1&version=1",
    },
  },
  {
    name: "a bad Prosody-Rest-Timeout header",
    status: 400,
    condition: "bad-request",
    headers: { "prosody-rest-timeout": "soon" },
    bodies: {
      json: '{"to":"b.example","ping":true}',
      form: "to=b.example&ping=1",
      xml: '<iq type="get" to="b.example"><ping xmlns="urn:xmpp:ping"/></iq>',
    },
  },
  {
    name: "a body over the size limit",
    status: 413,
    condition: "resource-constraint",
    bodies: {
      json: `{"to":"a@b.example","body":"${big}"}`,
      form: `to=a@b.example&body=${big}`,
      xml: `<message to="a@b.example"><body>${big}</body></message>`,
      text: big,
    },
    path: "/rest/message/chat/a@b.example",
  },
  {
    name: "the XMPP link down",
    status: 503,
    condition: "service-unavailable",
    setup: () => {
      link.state = "offline";
    },
    bodies: {
      json: '{"to":"a@b.example","body":"x"}',
      form: "to=a@b.example&body=x",
      xml: '<message to="a@b.example"/>',
      text: "x",
    },
    path: "/rest/message/chat/a@b.example",
  },
  {
    name: "too many iqs waiting",
    status: 503,
    condition: "resource-constraint",
    setup: () => {
      void iqs.expect("other", "b.example", 60_000).catch(() => {});
    },
    bodies: {
      json: '{"to":"b.example","ping":true}',
      form: "to=b.example&ping=1",
      xml: '<iq type="get" to="b.example"><ping xmlns="urn:xmpp:ping"/></iq>',
    },
  },
  {
    name: "an iq that gets no answer in time",
    status: 504,
    condition: "remote-server-timeout",
    headers: { "prosody-rest-timeout": "0.01" },
    bodies: {
      json: '{"to":"b.example","ping":true}',
      form: "to=b.example&ping=1",
      xml: '<iq type="get" to="b.example"><ping xmlns="urn:xmpp:ping"/></iq>',
    },
  },
  {
    name: "no such endpoint",
    status: 404,
    condition: "item-not-found",
    path: "/nowhere",
    bodies: { json: "{}", form: "a=b", xml: "<message/>", text: "x" },
  },
];

const matrix = CASES.flatMap((c) =>
  (Object.entries(c.bodies) as [Format, string][]).map(
    ([format, body]) => [c.name, format, c, body] as const,
  ),
);

afterEach(() => iqs.failAll(linkDownError(1)));

describe.each(matrix)("%s, sent as %s", (_name, format, c, body) => {
  const send = async (accept?: string) => {
    await c.setup?.();
    const headers: Record<string, string> = {
      authorization: "Bearer tok",
      "content-type": TYPES[format],
      ...c.headers,
    };
    if (headers.authorization === "") delete headers.authorization;
    if (accept !== undefined) headers.accept = accept;
    return app.request(c.path ?? (format === "text" ? "/rest/message/chat/a@b.example" : "/rest"), {
      method: "POST",
      body,
      headers,
    });
  };

  it(`answers ${c.status} ${c.condition} in the request's format without Accept`, async () => {
    const res = await send();
    expect(res.status).toBe(c.status);
    expect(await errorFormat(res, c.condition)).toBe(format);
  });

  it("answers in the request's format with Accept: */*", async () => {
    const res = await send("*/*");
    expect(res.status).toBe(c.status);
    expect(await errorFormat(res, c.condition)).toBe(format);
  });

  it("answers in the format Accept names over the request's own", async () => {
    const wanted: Format = format === "json" ? "xml" : "json";
    const res = await send(`${TYPES[wanted]}, */*;q=0.1`);
    expect(res.status).toBe(c.status);
    expect(await errorFormat(res, c.condition)).toBe(wanted);
  });
});

describe("errors without a request format", () => {
  it("answers an unsupported media type (415) in plain text, or as Accept asks", async () => {
    const req = (accept?: string) =>
      app.request("/rest", {
        method: "POST",
        body: "<p>hi</p>",
        headers: {
          authorization: "Bearer tok",
          "content-type": "text/html",
          ...(accept ? { accept } : {}),
        },
      });
    const plain = await req();
    expect(plain.status).toBe(415);
    expect(await errorFormat(plain, "bad-format")).toBe("text");
    const json = await req("application/json");
    expect(await errorFormat(json, "bad-format")).toBe("json");
  });

  it("answers a GET query error in plain text, or as Accept asks", async () => {
    const get = (accept?: string) =>
      app.request("/rest/nothing/b.example", {
        headers: { authorization: "Bearer tok", ...(accept ? { accept } : {}) },
      });
    const plain = await get();
    expect(plain.status).toBe(404);
    expect(await errorFormat(plain, "item-not-found")).toBe("text");
    const form = await get(TYPES.form);
    expect(await errorFormat(form, "item-not-found")).toBe("form");
  });
});
