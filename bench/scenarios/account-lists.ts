import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { launchScenarioBridge, TOKEN } from "../lib/bridge.js";
import { now, sleep } from "../lib/clock.js";
import type { BenchContext, Row } from "../lib/context.js";
import { mb, rssBytes } from "../lib/procs.js";
import { Samples } from "../lib/stats.js";

const HOST = "accounts.localhost";
const PASSWORD = "bench-account-password";
/** Contacts in each roster, and conversations of the listed account (the sizes). */
const CONTACTS = 1_000;
const CONVERSATIONS = 1_000;
/** Accounts logged in with a full roster, for the memory figure. */
const ROSTER_ACCOUNTS = 20;
const READS = 300;

/**
 * Prosody keeps an account and its roster as Lua files under its data directory (the host's
 * dots encoded): written in bulk here, a 1,000-contact roster for each account (both-way
 * subscriptions, a name and a group each).
 */
async function writeAccounts(dataDir: string, names: readonly string[]): Promise<void> {
  const host = HOST.replaceAll(".", "%2e");
  await mkdir(join(dataDir, host, "accounts"), { recursive: true });
  await mkdir(join(dataDir, host, "roster"), { recursive: true });
  const items = Array.from(
    { length: CONTACTS },
    (_, i) =>
      `\t["c${i}@${HOST}"] = { ["subscription"] = "both"; ["name"] = "Contact ${i}"; ["groups"] = { ["Group ${i % 10}"] = true; }; };`,
  ).join("\n");
  const roster = `return {\n\t[false] = { ["version"] = 1; ["pending"] = {}; };\n${items}\n};\n`;
  for (const name of names) {
    await writeFile(
      join(dataDir, host, "accounts", `${name}.dat`),
      `return {\n\t["password"] = ${JSON.stringify(PASSWORD)};\n};\n`,
    );
    await writeFile(join(dataDir, host, "roster", `${name}.dat`), roster);
  }
}

async function timedGets(url: string, token: string): Promise<{ samples: Samples; bytes: number }> {
  const samples = new Samples();
  let bytes = 0;
  for (let i = 0; i < READS; i++) {
    const sent = now();
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${url}: ${res.status} ${text.slice(0, 200)}`);
    samples.add(now() - sent);
    bytes = text.length;
  }
  return { samples, bytes };
}

/**
 * An account's lists at the sizes (issue 22): GET .../contacts with a 1,000-contact
 * roster and GET .../conversations with 1,000 conversations, p50/p99 over sequential reads,
 * and the memory an account with a 1,000-contact roster takes in the bridge.
 */
export async function accountLists(ctx: BenchContext): Promise<Row[]> {
  const names = Array.from({ length: ROSTER_ACCOUNTS }, (_, i) => `r${i}`);
  ctx.progress(`account-lists: writing ${ROSTER_ACCOUNTS} accounts with ${CONTACTS} contacts`);
  await writeAccounts(ctx.prosody.dataDir, names);
  const bridge = await launchScenarioBridge(ctx, "account-lists", {
    XMPP_REST_SECRET_KEY: randomBytes(32).toString("hex"),
  });
  const rows: Row[] = [];
  try {
    await sleep(1_000);
    const idleRss = rssBytes(bridge.pid);
    const tokens: string[] = [];
    for (const name of names) {
      const res = await fetch(`${bridge.url}/v1/accounts/${name}@${HOST}`, {
        method: "PUT",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({
          password: PASSWORD,
          server: `127.0.0.1:${ctx.prosody.c2sPort}`,
          plaintext: true,
          resource: "bench",
        }),
      });
      const body = (await res.json()) as { token?: string };
      if (res.status !== 201 || !body.token) throw new Error(`PUT ${name}: ${res.status}`);
      tokens.push(body.token);
    }
    const token = tokens[0] ?? "";
    const base = `${bridge.url}/v1/accounts/r0@${HOST}`;
    // The roster is fetched before the initial presence: wait until the list is whole.
    for (let tries = 0; tries < 100; tries++) {
      const res = await fetch(`${base}/contacts`, {
        headers: { authorization: `Bearer ${token}` },
      });
      if (((await res.json()) as unknown[]).length >= CONTACTS) break;
      await sleep(100);
    }
    await sleep(2_000);
    const rosterRss = rssBytes(bridge.pid);
    const perAccountKiB = (rosterRss - idleRss) / ROSTER_ACCOUNTS / 1024;

    ctx.progress(`account-lists: ${READS} reads of ${CONTACTS} contacts`);
    const contacts = await timedGets(`${base}/contacts`, token);
    rows.push({
      scenario: "account-lists",
      subject: "bridge: GET contacts",
      load: `${CONTACTS} contacts, ${READS} sequential reads`,
      latency: contacts.samples.summary(),
      notes: `${(contacts.bytes / 1024).toFixed(0)} KiB per answer; RSS ${mb(idleRss)} MiB idle, ${mb(rosterRss)} MiB with ${ROSTER_ACCOUNTS} accounts online with ${CONTACTS} contacts each: ${perAccountKiB.toFixed(0)} KiB per account`,
      details: { idleRss, rosterRss, perAccountKiB, bytes: contacts.bytes },
    });

    // 1,000 peers write to the account: the admin sends from addresses of the bridge's own
    // component domain (POST /rest), each a conversation of its own.
    ctx.progress(`account-lists: ${CONVERSATIONS} conversations`);
    for (let i = 0; i < CONVERSATIONS; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, CONVERSATIONS - i) }, (_, k) =>
          fetch(`${bridge.url}/rest`, {
            method: "POST",
            headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
            body: JSON.stringify({
              kind: "message",
              type: "chat",
              from: `p${i + k}@${ctx.prosody.componentDomain}`,
              to: `r0@${HOST}`,
              body: `hello from peer ${i + k}`,
            }),
          }).then((res) => res.text()),
        ),
      );
    }
    for (let tries = 0; tries < 200; tries++) {
      const res = await fetch(`${base}/conversations?limit=200`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const link = res.headers.get("link");
      await res.text();
      // Five full pages of 200: the list is whole once a fifth page exists and ends.
      if (link !== null) {
        const pages = await countPages(`${base}/conversations?limit=200`, token);
        if (pages >= CONVERSATIONS / 200) break;
      }
      await sleep(100);
    }
    for (const limit of [50, 200]) {
      const listed = await timedGets(`${base}/conversations?limit=${limit}`, token);
      rows.push({
        scenario: "account-lists",
        subject: `bridge: GET conversations (limit ${limit})`,
        load: `${CONVERSATIONS} conversations, ${READS} sequential reads`,
        latency: listed.samples.summary(),
        notes: `newest first, unread counts; ${(listed.bytes / 1024).toFixed(0)} KiB per page`,
      });
    }
    return rows;
  } finally {
    await bridge.stop();
  }
}

async function countPages(first: string, token: string): Promise<number> {
  let url: string | undefined = first;
  let pages = 0;
  while (url && pages < 20) {
    const res: Response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    await res.text();
    pages += 1;
    const next = /<([^>]+)>; rel="next"/.exec(res.headers.get("link") ?? "")?.[1];
    url = next ? new URL(next, first).toString() : undefined;
  }
  return pages;
}
