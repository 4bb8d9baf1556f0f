import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import xml from "@xmpp/xml";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { clusterEnv, type Node, startNode, until } from "../helpers/cluster.js";
import { freePort } from "../helpers/ports.js";
import { type Postgres, startPostgres } from "../helpers/postgres.js";
import { startXmppServer, type XmppServer } from "../helpers/server.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

/** The PostgreSQL database going away: at start, under load, and one written by a newer version. */
const COUNT = 200;
const PACE_MS = 15;

let server: XmppServer;
let postgres: Postgres;
let alice: XmppUser;
let carol: XmppUser;
let dir: string;
const nodes: Node[] = [];

beforeAll(async () => {
  [server, postgres] = await Promise.all([
    startXmppServer({
      users: ["alice", "carol"].map((username) => ({ username, password: `${username}-pw` })),
    }),
    startPostgres(),
  ]);
  alice = await connectUser({ c2sPort: server.c2sPort, username: "alice", password: "alice-pw" });
  carol = await connectUser({ c2sPort: server.c2sPort, username: "carol", password: "carol-pw" });
  dir = mkdtempSync(join(tmpdir(), "xmpp-rest-dbfaults-"));
});

afterEach(async () => {
  for (const node of nodes.splice(0)) await node.kill();
});

afterAll(async () => {
  await alice?.stop();
  await carol?.stop();
  await Promise.all([server?.stop(), postgres?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("the database going away", () => {
  it("at start-up: exit 2 with one line naming the database, never its password", async () => {
    const port = await freePort();
    const run = runCli(
      [],
      clusterEnv(server, `postgres://bridge:very-secret@127.0.0.1:${port}/xmpp`, {
        XMPP_REST_HTTP_PORT: String(await freePort()),
      }),
      dir,
    );
    expect(await run.exited).toBe(2);
    const lines = run.output().trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^xmpp-rest: cannot start: store ${literal(`postgres://bridge@127.0.0.1:${port}/xmpp`)}: cannot reach the database`,
      ),
    );
    expect(run.output()).not.toContain("very-secret");
  });

  it("written by a newer xmpp-rest: exit 2 with one line", async () => {
    const uri = await postgres.createDatabase();
    const first = await startNode(clusterEnv(server, uri), dir);
    await first.kill("SIGTERM");
    await postgres.query(
      "UPDATE meta SET value = '999' WHERE key = 'schema-version'",
      uri.split("/").pop(),
    );
    const run = runCli(
      [],
      { ...clusterEnv(server, uri), XMPP_REST_HTTP_PORT: String(await freePort()) },
      dir,
    );
    expect(await run.exited).toBe(2);
    expect(run.output().trim().split("\n")).toHaveLength(1);
    expect(run.output()).toMatch(
      /written by a newer xmpp-rest \(schema 999; this version knows up to \d+\)/,
    );
  });

  it("restarting under load: requests meanwhile get 503 with Retry-After, the link comes back, and nothing accepted is lost", async () => {
    const uri = await postgres.createDatabase();
    const env = clusterEnv(server, uri);
    const holder = await startNode(env, dir);
    nodes.push(holder);
    await holder.waitForRole("holder");
    const standby = await startNode(env, dir);
    nodes.push(standby);
    await standby.waitForRole("standby");
    expect(
      (await holder.put("/v1/bots/puller", { tokens: ["puller-token-0123456789"] })).status,
    ).toBe(201);
    await until(
      async () => ((await standby.get("/v1/bots/puller")).status === 200 ? true : undefined),
      "the standby to know the bot",
    );

    // Through the standby (its outbox) and the holder, posts to carol; alice writes to the bot.
    const answers = new Map<number, { status: number; retryAfter: string | null }>();
    const posting = (async () => {
      for (let n = 0; n < COUNT; n++) {
        const via = n % 2 === 0 ? standby : holder;
        const stanza = xml(
          "message",
          { to: carol.jid, type: "chat", id: `d-${n}` },
          xml("body", {}, `d-${n}`),
        );
        const res = await via.post(stanza.toString()).catch(() => undefined);
        if (res) answers.set(n, { status: res.status, retryAfter: res.headers.get("retry-after") });
        await new Promise((resolve) => setTimeout(resolve, PACE_MS));
      }
    })();
    const sent: { n: number; at: number }[] = [];
    const writing = (async () => {
      for (let n = 0; n < COUNT; n++) {
        sent.push({ n, at: Date.now() });
        await alice.send(
          xml(
            "message",
            { to: `puller@${server.componentDomain}`, type: "chat", id: `w-${n}` },
            xml("body", {}, `w-${n}`),
          ),
        );
        await new Promise((resolve) => setTimeout(resolve, PACE_MS));
      }
    })();

    await new Promise((resolve) => setTimeout(resolve, (COUNT * PACE_MS) / 3));
    const downAt = Date.now();
    await postgres.kill();
    // Both processes say so; the holder gave the link up.
    const down = await until(async () => {
      const health = await standby.health();
      return health?.database === "down" ? health : undefined;
    }, "the standby to see the database down");
    expect(down).toMatchObject({ database: "down" });
    expect((await fetch(`${standby.url}/health`)).status).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await postgres.restart();
    const upAt = Date.now();
    await until(
      async () => {
        const roles = await Promise.all([holder.health(), standby.health()]);
        const holders = roles.filter((h) => h?.role === "holder" && h.xmpp === "online");
        return holders.length === 1 && roles.every((h) => h?.database === "up") ? true : undefined;
      },
      "one process to hold the link again",
      20_000,
    );
    await Promise.all([posting, writing]);

    // Refused while the database was away: 503 with Retry-After, nothing else.
    const refused = [...answers.values()].filter((a) => a.status !== 202);
    for (const answer of refused) {
      expect(answer.status).toBe(503);
      expect(Number(answer.retryAfter)).toBeGreaterThan(0);
    }
    // Every 202 reached carol.
    const accepted = [...answers].filter(([, a]) => a.status === 202).map(([n]) => n);
    await until(
      () => {
        const got = new Set(
          carol.received
            .filter((s) => (s.attrs.id ?? "").startsWith("d-"))
            .map((s) => Number((s.attrs.id ?? "").slice(2))),
        );
        return accepted.every((n) => got.has(n)) ? true : undefined;
      },
      "carol to receive every accepted message",
      30_000,
    );

    // Every message to the bot is stored, or came back to alice as an error, or was in flight
    // at the moment the database went (sent within a second of it: never accepted, and the
    // link was given up under it).
    const stored = new Set<number>();
    const rows = await postgres.query(
      "SELECT stanza FROM events WHERE stream = 'bot:puller'",
      uri.split("/").pop(),
    );
    for (const row of rows.rows as { stanza: string }[]) {
      const n = /<body>w-(\d+)<\/body>/.exec(row.stanza)?.[1];
      if (n !== undefined) stored.add(Number(n));
    }
    const back = new Set(
      alice.received
        .filter((s) => s.attrs.type === "error" && (s.attrs.id ?? "").startsWith("w-"))
        .map((s) => Number((s.attrs.id ?? "").slice(2))),
    );
    const lost = sent.filter(({ n }) => !stored.has(n) && !back.has(n));
    const unexplained = lost.filter(({ at }) => at < downAt - 1_000 || at > upAt);
    expect(unexplained.map((s) => s.n)).toEqual([]);
    console.info(
      `database away ${upAt - downAt} ms: ${refused.length} posts refused (503), ${back.size} messages bounced, ${lost.length} in flight`,
    );
  });
});
