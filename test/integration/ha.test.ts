import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import xml from "@xmpp/xml";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CLUSTER_TOKEN, clusterEnv, type Node, startNode, until } from "../helpers/cluster.js";
import { openSse } from "../helpers/event-clients.js";
import { type Postgres, startPostgres } from "../helpers/postgres.js";
import { joinRoom } from "../helpers/room-user.js";
import { ACCOUNT_HOST, startXmppServer, type XmppServer } from "../helpers/server.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

let server: XmppServer;
let postgres: Postgres;
let alice: XmppUser;
let dir: string;
const nodes: Node[] = [];

beforeAll(async () => {
  [server, postgres] = await Promise.all([
    startXmppServer({
      users: [{ username: "alice", password: "alice-pw" }],
      accountUsers: [{ username: "carol", password: "carol-pw" }],
    }),
    startPostgres(),
  ]);
  alice = await connectUser({ c2sPort: server.c2sPort, username: "alice", password: "alice-pw" });
  dir = mkdtempSync(join(tmpdir(), "xmpp-rest-ha-"));
});

afterEach(async () => {
  for (const node of nodes.splice(0)) await node.kill();
});

afterAll(async () => {
  await alice?.stop();
  await Promise.all([server?.stop(), postgres?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function cluster(count: number, extra: Record<string, string> = {}) {
  const env = clusterEnv(server, await postgres.createDatabase(), extra);
  const started: Node[] = [];
  for (let i = 0; i < count; i++) {
    const node = await startNode(env, dir);
    nodes.push(node);
    started.push(node);
    // The first one takes the link; the next ones find it held.
    if (i === 0) await node.waitForRole("holder");
  }
  return started;
}

const chat = (to: string, body: string, id = `m-${body}`) =>
  xml("message", { to, type: "chat", id }, xml("body", {}, body));

describe("several processes on one PostgreSQL", () => {
  it("exactly one holds the link; the standby serves a bot's stream, sends and iqs", async () => {
    const [holder, standby] = (await cluster(2)) as [Node, Node];
    const holderHealth = await holder.waitForRole("holder");
    const standbyHealth = await standby.waitForRole("standby");
    expect(holderHealth).toMatchObject({ role: "holder", xmpp: "online", database: "up" });
    expect(holderHealth.epoch).toMatch(/^[1-9][0-9]*$/);
    expect(standbyHealth).toMatchObject({ role: "standby", epoch: null, database: "up" });
    // A standby is healthy for a load balancer: it serves the API.
    expect((await fetch(`${standby.url}/health`)).status).toBe(200);

    // A bot made through the holder is known to the standby at once (a doorbell).
    expect(
      (await holder.put("/v1/bots/puller", { tokens: ["puller-token-0123456789"] })).status,
    ).toBe(201);
    await until(
      async () => ((await standby.get("/v1/bots/puller")).status === 200 ? true : undefined),
      "the standby to know the bot",
    );

    // Its stream, read on the standby, gets what a user sends to it (through the holder).
    const sse = await openSse(`${standby.url}/v1/bots/puller/events`, {
      authorization: `Bearer ${CLUSTER_TOKEN}`,
    });
    try {
      await alice.send(chat(`puller@${server.componentDomain}`, "to the standby's stream"));
      const [event] = await sse.waitForCount(1, 10_000);
      expect(event?.stanza).toMatchObject({ kind: "message", body: "to the standby's stream" });
    } finally {
      sse.close();
    }

    // POST /rest on the standby: stored (202), sent by the holder.
    const sent = await standby.post(
      chat(alice.jid, "sent through the standby", "via-standby").toString(),
    );
    expect(sent.status).toBe(202);
    const got = await alice.waitFor(
      (s) => s.name === "message" && s.attrs.id === "via-standby",
      10_000,
      "the message posted on the standby",
    );
    expect(got.getChildText("body")).toBe("sent through the standby");

    // An iq posted on the standby waits for its reply, routed back through the database.
    const iq = await standby.post(
      xml(
        "iq",
        { type: "get", to: server.host, id: "ping-via-standby" },
        xml("ping", { xmlns: "urn:xmpp:ping" }),
      ).toString(),
      { accept: "application/json" },
    );
    expect(iq.status).toBe(200);
    expect(await iq.json()).toMatchObject({ kind: "iq", type: "result", id: "ping-via-standby" });
  });

  it("passes a room request made on the standby to the holder, which joins", async () => {
    const [holder, standby] = (await cluster(2)) as [Node, Node];
    expect(
      (await holder.put("/v1/bots/roomy", { tokens: ["roomy-token-0123456789"] })).status,
    ).toBe(201);
    await until(
      async () => ((await standby.get("/v1/bots/roomy")).status === 200 ? true : undefined),
      "the standby to know the bot",
    );
    const room = `ha-${Date.now()}@${server.mucDomain}`;
    await joinRoom(alice, room, "alice");
    const joined = await standby.put(`/v1/bots/roomy/rooms/${room}`, { nick: "Roomy" });
    expect(joined.status).toBe(200);
    expect(await joined.json()).toMatchObject({ room, nick: "Roomy", status: "joined" });
    const listed = await standby.get("/v1/bots/roomy/rooms");
    expect((await listed.json()) as unknown).toMatchObject({ rooms: [{ room }] });
  });

  it("passes the calls on a sent message and a command menu made on the standby to the holder", async () => {
    const [holder, standby] = (await cluster(2)) as [Node, Node];
    expect((await holder.put("/v1/bots/menu", { tokens: ["menu-token-0123456789"] })).status).toBe(
      201,
    );
    await until(
      async () => ((await standby.get("/v1/bots/menu")).status === 200 ? true : undefined),
      "the standby to know the bot",
    );
    const bot = `menu@${server.componentDomain}`;
    const json = { "content-type": "application/json" };

    // Sent through the standby (the outbox), then corrected through it (the holder's call).
    const sent = await standby.post(
      JSON.stringify({ to: alice.jid.split("/")[0], body: "draft" }),
      json,
      "/v1/bots/menu/messages",
    );
    expect(sent.status).toBe(202);
    const { id } = (await sent.json()) as { id: string };
    await alice.waitFor(
      (s) => s.attrs.from?.startsWith(bot) === true && s.getChildText("body") === "draft",
    );
    const edit = await fetch(`${standby.url}/v1/bots/menu/messages/${id}`, {
      method: "PATCH",
      body: JSON.stringify({ body: "final" }),
      headers: { authorization: `Bearer ${CLUSTER_TOKEN}`, ...json },
    });
    expect(edit.status).toBe(202);
    const corrected = await alice.waitFor(
      (s) => s.getChild("replace", "urn:xmpp:message-correct:0") !== undefined,
      10_000,
      "the correction",
    );
    expect(corrected.getChild("replace", "urn:xmpp:message-correct:0")?.attrs.id).toBe(id);
    expect(corrected.getChildText("body")).toBe("final");

    // A menu declared on the standby is the holder's to answer users with.
    const menu = await standby.put("/v1/bots/menu/commands", [
      { node: "hello", name: "Say hello" },
    ]);
    expect(menu.status).toBe(200);
    const items = "http://jabber.org/protocol/disco#items";
    await alice.send(
      xml(
        "iq",
        { type: "get", to: bot, id: "menu-list" },
        xml("query", { xmlns: items, node: "http://jabber.org/protocol/commands" }),
      ),
    );
    const list = await alice.waitFor((s) => s.name === "iq" && s.attrs.id === "menu-list");
    expect(list.attrs.type).toBe("result");
    const listed = list.getChild("query", items)?.getChildren("item") ?? [];
    expect(listed.map((i) => [i.attrs.node, i.attrs.name])).toEqual([["hello", "Say hello"]]);
  });

  it("holds an account in the link holder only, and moves it with the link when that process dies", async () => {
    const [holder, standby] = (await cluster(2, {
      XMPP_REST_SECRET_KEY: randomBytes(32).toString("hex"),
      XMPP_REST_ACCOUNT_CA_FILE: server.accounts?.caFile ?? "",
    })) as [Node, Node];
    const carol = `carol@${ACCOUNT_HOST}`;
    // Made on the standby: the holder logs in and keeps it.
    const made = await standby.put(`/v1/accounts/${carol}`, {
      password: "carol-pw",
      server: `127.0.0.1:${server.accounts?.port}`,
      resource: "bridge",
    });
    const body = (await made.json()) as { state?: string; token?: string };
    expect(made.status, JSON.stringify(body)).toBe(201);
    expect(body.state).toBe("online");
    const token = { authorization: `Bearer ${body.token}` };
    type Polled = { id: string; stanza: { body?: string } }[];
    const poll = async (node: Node, after: string, text: string) => {
      const found = await until(async () => {
        const res = await node.get(`/v1/accounts/${carol}/events?after=${after}&wait=2`, token);
        if (res.status !== 200) return undefined;
        return ((await res.json()) as Polled).find((e) => e.stanza.body === text);
      }, `"${text}" in carol's events`);
      return found.id;
    };

    await alice.send(chat(carol, "before the failover"));
    const first = await poll(standby, "0", "before the failover");

    await holder.kill("SIGKILL");
    await standby.waitForRole("holder");
    await until(async () => {
      const res = await standby.get(`/v1/accounts/${carol}`);
      const state = res.status === 200 ? ((await res.json()) as { state?: string }).state : "";
      return state === "online" ? true : undefined;
    }, "carol online again on the new holder");
    await alice.send(chat(carol, "after the failover"));
    await poll(standby, first, "after the failover");
  });
});
