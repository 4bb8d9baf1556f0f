import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import xml, { type Element } from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBridge, type TestBridge } from "../helpers/bridge.js";
import { type EventPoller, eventPoller } from "../helpers/event-poller.js";
import { startXmppServer, type XmppServer } from "../helpers/server.js";
import { startWebhookServer, type WebhookServer } from "../helpers/webhook-server.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

const MENU = "menu-bot-token-0123456789abc";
const HOOKED = "hooked-bot-token-0123456789ab";
const CMD = "http://jabber.org/protocol/commands";
const DATA = "jabber:x:data";
const ITEMS = "http://jabber.org/protocol/disco#items";

let server: XmppServer;
let bridge: TestBridge;
let alice: XmppUser;
let hook: WebhookServer;
let events: EventPoller;
let dir: string;
let sequence = 0;

function api(path: string, method = "GET", body?: unknown, token = MENU) {
  return fetch(`${bridge.url}/v1/bots/${token === MENU ? "menu" : "hooked"}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      accept: "application/json",
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** alice sends an iq to a bot and waits for its answer. */
async function ask(to: string, child: Element, type = "set"): Promise<Element> {
  const id = `cmd-${++sequence}`;
  await alice.send(xml("iq", { to, type, id }, child));
  return alice.waitFor((s) => s.name === "iq" && s.attrs.id === id, 15_000, `answer to ${id}`);
}
const command = (node: string, attrs: Record<string, string> = {}, ...children: Element[]) =>
  xml("command", { xmlns: CMD, node, ...attrs }, ...children);
const submit = (values: Record<string, string>) =>
  xml(
    "x",
    { xmlns: DATA, type: "submit" },
    ...Object.entries(values).map(([name, value]) =>
      xml("field", { var: name }, xml("value", {}, value)),
    ),
  );
const errorOf = (iq: Element) => iq.getChild("error");

const CITY_FORM = {
  title: "Weather",
  fields: [
    {
      var: "city",
      type: "list-single",
      label: "City",
      options: [
        { label: "Paris", value: "paris" },
        { label: "Oslo", value: "oslo" },
      ],
    },
  ],
};

beforeAll(async () => {
  server = await startXmppServer({ users: [{ username: "alice", password: "alice-pw" }] });
  // The webhook bot answers in its responses: a form on execute, a note once submitted.
  hook = await startWebhookServer((req) => {
    const call = JSON.parse(req.body || "{}") as {
      event?: { type: string; action: string; values?: Record<string, string> };
    };
    if (call.event?.type !== "command") return { status: 204 };
    const answer =
      call.event.values?.city !== undefined
        ? { status: "completed", note: `Sunny in ${call.event.values.city}` }
        : { status: "executing", form: CITY_FORM };
    return {
      status: 200,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(answer),
    };
  });
  dir = await mkdtemp(join(tmpdir(), "xmpp-rest-commands-"));
  const configPath = join(dir, "config.json");
  await writeFile(
    configPath,
    JSON.stringify({
      bots: {
        menu: { tokens: [MENU] },
        hooked: {
          tokens: [HOOKED],
          callbackUrl: `${hook.url}/hooked`,
          callbackContentType: "application/json",
        },
      },
    }),
  );
  bridge = await startTestBridge(server, { XMPP_REST_IQ_TIMEOUT: "3" }, { configPath });
  alice = await connectUser({ c2sPort: server.c2sPort, username: "alice", password: "alice-pw" });
  events = eventPoller(bridge.url, "menu", MENU);
});

afterAll(async () => {
  await alice?.stop();
  await bridge?.stop();
  await hook?.close();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("a pulling bot's command menu", () => {
  const BOT = "menu@rest.localhost";

  it("declares its commands, which a user lists (disco#items on the commands node)", async () => {
    const res = await api("/commands", "PUT", [
      { node: "weather", name: "Weather forecast" },
      { node: "poll", name: "Start a poll" },
    ]);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { commands: unknown[] }).commands).toHaveLength(2);
    const list = await ask(BOT, xml("query", { xmlns: ITEMS, node: CMD }), "get");
    expect(list.attrs.type).toBe("result");
    const items = list.getChild("query", ITEMS)?.getChildren("item") ?? [];
    expect(items.map((i) => [i.attrs.node, i.attrs.name, i.attrs.jid])).toEqual([
      ["weather", "Weather forecast", BOT],
      ["poll", "Start a poll", BOT],
    ]);
  });

  it("runs a two-step command with a form: the user's steps are events, the bot's answers reach the user", async () => {
    const first = ask(BOT, command("weather", { action: "execute" }));
    const started = await events.next((e) => e.event?.type === "command");
    expect(started.event).toMatchObject({ node: "weather", action: "execute", from: alice.jid });
    const sessionId = String(started.event?.sessionId);
    const answered = await api(`/commands/${sessionId}`, "POST", {
      status: "executing",
      form: CITY_FORM,
    });
    expect(answered.status).toBe(202);
    const step = (await first).getChild("command", CMD);
    expect(step?.attrs).toMatchObject({
      status: "executing",
      sessionid: sessionId,
      node: "weather",
    });
    expect(step?.getChild("actions")?.attrs.execute).toBe("complete");
    const field = step?.getChild("x", DATA)?.getChild("field");
    expect(field?.attrs).toMatchObject({ var: "city", type: "list-single" });
    expect(field?.getChildren("option")).toHaveLength(2);

    const second = ask(
      BOT,
      command("weather", { sessionid: sessionId, action: "complete" }, submit({ city: "oslo" })),
    );
    const submitted = await events.next((e) => e.event?.type === "command");
    expect(submitted.event).toMatchObject({
      sessionId,
      action: "complete",
      values: { city: "oslo" },
    });
    expect(
      (await api(`/commands/${sessionId}`, "POST", { status: "completed", note: "Snow in Oslo" }))
        .status,
    ).toBe(202);
    const done = (await second).getChild("command", CMD);
    expect(done?.attrs.status).toBe("completed");
    expect(done?.getChildText("note")).toBe("Snow in Oslo");
    // The run is over: answering again is a conflict, and the user's id is expired.
    expect((await api(`/commands/${sessionId}`, "POST", { status: "completed" })).status).toBe(409);
    const late = await ask(BOT, command("weather", { sessionid: sessionId, action: "complete" }));
    expect(errorOf(late)?.getChild("session-expired", CMD)).toBeDefined();
  });

  it("cancels a run at the user's word, and tells the bot", async () => {
    const first = ask(BOT, command("poll"));
    const started = await events.next((e) => e.event?.type === "command");
    const sessionId = String(started.event?.sessionId);
    await api(`/commands/${sessionId}`, "POST", {
      status: "executing",
      form: { fields: [{ var: "question", type: "text-single" }] },
      actions: ["next", "complete"],
    });
    expect((await first).getChild("command", CMD)?.getChild("actions")?.attrs.execute).toBe("next");
    const canceled = await ask(BOT, command("poll", { sessionid: sessionId, action: "cancel" }));
    expect(canceled.getChild("command", CMD)?.attrs.status).toBe("canceled");
    const told = await events.next(
      (e) => e.event?.type === "command" && e.event.action === "cancel",
    );
    expect(told.event?.sessionId).toBe(sessionId);
    expect((await api(`/commands/${sessionId}`, "POST", { status: "completed" })).status).toBe(409);
  });

  it("answers the user wait/remote-server-timeout when the bot never answers", async () => {
    const started = Date.now();
    const answer = await ask(BOT, command("weather"));
    expect(answer.attrs.type).toBe("error");
    expect(errorOf(answer)?.attrs.type).toBe("wait");
    expect(errorOf(answer)?.getChild("remote-server-timeout")).toBeDefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_500);
  });

  it("answers unknown commands and sessions as XEP-0050 says, and bad answers with 404 and 422", async () => {
    const unknown = await ask(BOT, command("nothing"));
    expect(errorOf(unknown)?.getChild("item-not-found")).toBeDefined();
    const session = await ask(BOT, command("weather", { sessionid: "made-up", action: "next" }));
    expect(errorOf(session)?.getChild("bad-sessionid", CMD)).toBeDefined();
    expect((await api("/commands/made-up", "POST", { status: "completed" })).status).toBe(404);

    // The run the last test left unanswered is not this one.
    await events.skip();
    const first = ask(BOT, command("weather"));
    const started = await events.next(
      (e) => e.event?.type === "command" && e.event.action === "execute",
    );
    const sessionId = String(started.event?.sessionId);
    const badType = await api(`/commands/${sessionId}`, "POST", {
      status: "executing",
      form: { fields: [{ var: "city", type: "dropdown" }] },
    });
    expect(badType.status).toBe(422);
    expect(JSON.stringify(await badType.json())).toMatch(/type/);
    const badValue = await api(`/commands/${sessionId}`, "POST", {
      status: "executing",
      form: { fields: [{ var: "ok", type: "boolean", value: "maybe" }] },
    });
    expect(badValue.status).toBe(422);
    expect(JSON.stringify(await badValue.json())).toMatch(/fields\[0\] \(ok\)/);
    // The step still waits: a good answer goes through.
    expect(
      (await api(`/commands/${sessionId}`, "POST", { status: "completed", note: "ok" })).status,
    ).toBe(202);
    expect((await first).getChild("command", CMD)?.attrs.status).toBe("completed");
  });
});

describe("a webhook bot's command menu", () => {
  const BOT = "hooked@rest.localhost";

  it("runs the same two steps with the answers in the webhook's responses, and cancels", async () => {
    expect(
      (await api("/commands", "PUT", [{ node: "weather", name: "Weather" }], HOOKED)).status,
    ).toBe(200);
    const first = await ask(BOT, command("weather"));
    const step = first.getChild("command", CMD);
    expect(step?.attrs.status).toBe("executing");
    const sessionId = step?.attrs.sessionid ?? "";
    const second = await ask(
      BOT,
      command("weather", { sessionid: sessionId, action: "complete" }, submit({ city: "paris" })),
    );
    expect(second.getChild("command", CMD)?.getChildText("note")).toBe("Sunny in paris");

    const again = (await ask(BOT, command("weather"))).getChild("command", CMD);
    const canceled = await ask(
      BOT,
      command("weather", { sessionid: again?.attrs.sessionid ?? "", action: "cancel" }),
    );
    expect(canceled.getChild("command", CMD)?.attrs.status).toBe("canceled");
    // One answer per iq: the webhook's call for the cancel sends nothing more.
    const answers = alice.received.filter((s) => s.attrs.id === canceled.attrs.id);
    expect(answers).toHaveLength(1);
  });
});
