/**
 * The store contract suite: what every Store implementation must do (src/store/types.ts and
 * the interfaces it gathers). An implementation's test file calls storeContract() with a way
 * to open a fresh store (and, if it keeps data, to open the same one again); the SQLite store
 * runs it on a file and in memory, a PostgreSQL store runs the same suite.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type ClaimLease,
  type ContactRecord,
  type ConversationRecord,
  isId,
  type NewEvent,
  type Store,
  StoreFullError,
} from "../../../src/store/index.js";

export interface ContractOptions {
  /** The store's clock: the suite moves it by hand (leases, pruning). */
  readonly now: () => number;
  /** Makes a store that runs out of room past this many bytes (see canFill). */
  readonly sizeLimitBytes?: number;
}

export interface ContractTarget {
  /** A fresh, empty store. */
  open(options: ContractOptions): Promise<Store>;
  /** The store the last open() made, again (after it was closed); absent when nothing survives a close. */
  readonly reopen?: (options: ContractOptions) => Promise<Store>;
  /** A size limit (bytes) at which the store refuses writes for real, when it can be given one. */
  readonly fillAt?: number;
}

const GLOBAL = "global";
const BOT = "bot:b";
const ACCOUNT = "account:b@example.org";

const message = (n: number | string, to = "bot@rest") =>
  `<message from="a@x" to="${to}"><body>${n}</body></message>`;

const delivered = (
  stream: string,
  n: number | string,
  conversation = "a@x\nbot@rest",
): NewEvent => ({
  stream,
  kind: "message",
  stanza: message(n),
  conversation,
});

const logged = (
  stream: string,
  n: number | string,
  kind: NewEvent["kind"] = "message",
): NewEvent => ({
  stream,
  kind,
  stanza: kind === "message" ? message(n) : `<${kind} id="${n}"/>`,
});

const sorted = (ids: readonly string[]) => [...ids].sort((a, b) => Number(a) - Number(b));

export function storeContract(name: string, target: ContractTarget): void {
  describe(`the store contract: ${name}`, () => {
    let time: number;
    let opened: Store[];
    const options = (extra: Partial<ContractOptions> = {}): ContractOptions => ({
      now: () => time,
      ...extra,
    });
    const track = (store: Store) => {
      opened.push(store);
      return store;
    };
    const open = async (extra: Partial<ContractOptions> = {}) =>
      track(await target.open(options(extra)));
    /** Closes `store` and opens the same data again. */
    const reopen = async (store: Store) => {
      await store.close();
      if (!target.reopen) throw new Error("reopen called on a store that keeps nothing");
      return track(await target.reopen(options()));
    };

    beforeEach(() => {
      time = 1_000_000;
      opened = [];
    });
    afterEach(async () => {
      for (const store of opened) await store.close();
    });

    describe("the event log", () => {
      it("appends with increasing decimal ids and the store's time in ms, and reads a stream after a position", async () => {
        const store = await open();
        const a1 = await store.append(logged(BOT, 1));
        time += 5;
        const other = await store.append(logged(ACCOUNT, 2));
        const a2 = await store.append(logged(BOT, 3, "presence"));
        const a3 = await store.append(logged(BOT, 4, "iq"));
        for (const { id } of [a1, other, a2, a3]) expect(isId(id), id).toBe(true);
        const ids = [a1.id, other.id, a2.id, a3.id];
        expect(sorted(ids)).toEqual(ids);
        expect(new Set(ids).size).toBe(4);
        expect(a1.time).toBe(1_000_000);
        expect(a2.time).toBe(1_000_005);

        const all = await store.readEvents(BOT, "0", 10);
        expect(all.map((e) => e.id)).toEqual([a1.id, a2.id, a3.id]);
        expect(all[1]).toEqual({
          id: a2.id,
          stream: BOT,
          time: 1_000_005,
          kind: "presence",
          stanza: '<presence id="3"/>',
        });
        expect((await store.readEvents(BOT, a1.id, 1)).map((e) => e.id)).toEqual([a2.id]);
        expect(await store.readEvents(BOT, a3.id, 10)).toEqual([]);
        expect(await store.lastEventId(BOT)).toBe(a3.id);
        expect(await store.lastEventId("bot:nobody")).toBe("0");
        expect((await store.readEvents(ACCOUNT, "0", 10)).map((e) => e.id)).toEqual([other.id]);
      });

      it("reads pages in id order past the first ten, whatever the ids' width in digits", async () => {
        const store = await open();
        const appended: string[] = [];
        for (let n = 0; n < 25; n++) appended.push((await store.append(logged(BOT, n))).id);
        const read: string[] = [];
        for (let after = "0"; ; ) {
          const page = await store.readEvents(BOT, after, 7);
          const last = page[page.length - 1];
          if (!last) break;
          read.push(...page.map((e) => e.id));
          after = last.id;
        }
        expect(read).toEqual(appended);
        for (let n = 0; n < 25; n++) await store.appendHistory(historyEntry(BOT, n, "alice@x"));
        const newest = await store.pageHistory(BOT, { limit: 12 });
        expect(newest.entries.map((e) => e.body)).toEqual(
          Array.from({ length: 12 }, (_, i) => `m${24 - i}`),
        );
      });

      it("sees every write asked for before a read, awaited or not", async () => {
        const store = await open();
        const appending = store.append(delivered(GLOBAL, 1));
        const events = await store.readEvents(GLOBAL, "0", 10);
        const { id } = await appending;
        expect(events.map((e) => e.id)).toEqual([id]);
        const recording = store.recordOutcome({ id, state: "delivered", attempts: 1 });
        expect(await store.getDelivery(id)).toMatchObject({ state: "delivered", attempts: 1 });
        await recording;
      });

      it("wakes a stream's watchers after each append to it, and only its own", async () => {
        const store = await open();
        const woken: string[] = [];
        const off = store.watchEvents(BOT, () => woken.push("bot"));
        store.watchEvents(ACCOUNT, () => woken.push("account"));
        const appended = new Promise<void>((resolve) => {
          const stop = store.watchEvents(BOT, () => {
            stop();
            resolve();
          });
        });
        await store.append(logged(BOT, 1));
        await appended;
        expect(await store.readEvents(BOT, "0", 10)).toHaveLength(1);
        off();
        await store.append(logged(BOT, 2));
        await store.append(logged(ACCOUNT, 3));
        expect(woken).toEqual(["bot", "account"]);
      });

      it("moves a stream's acknowledged position forward only", async () => {
        const store = await open();
        expect(await store.ackedEventId(BOT)).toBe("0");
        await store.acknowledge(BOT, "5");
        await store.acknowledge(BOT, "3");
        expect(await store.ackedEventId(BOT)).toBe("5");
        expect(await store.ackedEventId(ACCOUNT)).toBe("0");
      });
    });

    describe("deliveries", () => {
      it("queues a pending delivery for an event appended with a conversation", async () => {
        const store = await open();
        const logOnly = await store.append(logged(GLOBAL, 0));
        const { id } = await store.append(delivered(GLOBAL, 1));
        expect(logOnly.claimed).toBe(false);
        expect(await store.getDelivery(logOnly.id)).toBeUndefined();
        expect(await store.getDelivery(id)).toEqual({
          id,
          stream: GLOBAL,
          time: 1_000_000,
          kind: "message",
          stanza: message(1),
          conversation: "a@x\nbot@rest",
          state: "pending",
          attempts: 0,
          nextAttemptAt: 1_000_000,
          updatedAt: 1_000_000,
          lastError: undefined,
        });
        expect(await store.getDelivery("999999")).toBeUndefined();
      });

      it("records attempts and outcomes, counts the backlog, and requeues dead letters", async () => {
        const store = await open();
        const a = await store.append(delivered(GLOBAL, 1));
        const b = await store.append(delivered(GLOBAL, 2));
        const c = await store.append(delivered(GLOBAL, 3));
        const bots = await store.append(delivered(BOT, 4, "a@x\nb@rest"));
        time = 1_005_000;
        await Promise.all([
          store.recordOutcome({ id: a.id, state: "delivered", attempts: 1 }),
          store.recordOutcome({ id: b.id, state: "failed", attempts: 8, lastError: "HTTP 500" }),
          store.recordOutcome({
            id: c.id,
            state: "pending",
            attempts: 2,
            nextAttemptAt: 1_009_000,
            lastError: "HTTP 503",
          }),
        ]);
        expect(await store.backlog(GLOBAL)).toEqual({
          pending: 1,
          oldestPendingAt: 1_000_000,
          failed: 1,
        });
        expect(await store.backlog()).toEqual({
          pending: 2,
          oldestPendingAt: 1_000_000,
          failed: 1,
        });
        expect(await store.backlog("bot:nobody")).toEqual({
          pending: 0,
          oldestPendingAt: undefined,
          failed: 0,
        });
        const [dead] = await store.listDeliveries({ state: "failed", limit: 10 });
        expect(dead).toMatchObject({
          id: b.id,
          attempts: 8,
          lastError: "HTTP 500",
          updatedAt: 1_005_000,
        });
        expect(await store.getDelivery(a.id)).toMatchObject({
          state: "delivered",
          lastError: undefined,
        });
        const waiting = await store.getDelivery(c.id);
        expect(waiting).toMatchObject({ attempts: 2, nextAttemptAt: 1_009_000, state: "pending" });

        time = 1_006_000;
        expect(await store.requeueDelivery(a.id)).toBeUndefined();
        expect(await store.requeueDelivery("999999")).toBeUndefined();
        const again = await store.requeueDelivery(b.id);
        expect(again).toMatchObject({ state: "pending", attempts: 0, nextAttemptAt: 1_006_000 });
        expect(await store.backlog(GLOBAL)).toMatchObject({ pending: 2, failed: 0 });
        const mine = await store.listDeliveries({
          state: "pending",
          conversation: "a@x\nbot@rest",
          after: b.id,
          limit: 10,
        });
        expect(mine.map((d) => d.id)).toEqual([c.id]);
        const pending = await store.listDeliveries({ state: "pending", limit: 10 });
        expect(pending.map((d) => d.id)).toEqual([b.id, c.id, bots.id]);
        const ofBot = await store.listDeliveries({ state: "pending", stream: BOT, limit: 10 });
        expect(ofBot.map((d) => d.id)).toEqual([bots.id]);
        const paged = await store.listDeliveries({ state: "pending", after: b.id, limit: 1 });
        expect(paged.map((d) => d.id)).toEqual([c.id]);
      });

      it("commits the appends of one turn all or nothing; outcomes of that turn are recorded anyway", async () => {
        if (target.fillAt === undefined) return;
        const store = await open({ sizeLimitBytes: target.fillAt });
        const a = await store.append(delivered(GLOBAL, 1));
        const b = await store.append(delivered(GLOBAL, 2));
        await store.recordOutcome({
          id: b.id,
          state: "pending",
          attempts: 1,
          nextAttemptAt: 1_009_000,
          lastError: "HTTP 503",
        });
        const [small, huge, outcome] = await Promise.allSettled([
          store.append(delivered(GLOBAL, 3)),
          store.append({ ...delivered(GLOBAL, 4), stanza: message("x".repeat(400_000)) }),
          store.recordOutcome({ id: a.id, state: "delivered", attempts: 1 }),
        ]);
        expect(huge).toMatchObject({ status: "rejected", reason: expect.any(StoreFullError) });
        expect(small).toMatchObject({ status: "rejected", reason: expect.any(StoreFullError) });
        expect(outcome.status).toBe("fulfilled");
        expect((await store.readEvents(GLOBAL, "0", 10)).map((e) => e.id)).toEqual([a.id, b.id]);
        expect(await store.getDelivery(a.id)).toMatchObject({ state: "delivered" });
        expect(await store.getDelivery(b.id)).toMatchObject({ state: "pending", attempts: 1 });
      });

      it("when full, refuses new events with StoreFullError and keeps what it has", async () => {
        if (target.fillAt === undefined) return;
        const store = await open({ sizeLimitBytes: target.fillAt });
        const big = (n: number) => ({
          ...delivered(GLOBAL, n),
          stanza: message(`${"x".repeat(3_000)}${n}`),
        });
        const kept: string[] = [];
        let full: unknown;
        for (let i = 0; i < 200 && !full; i++) {
          try {
            kept.push((await store.append(big(i))).id);
          } catch (err) {
            full = err;
          }
        }
        expect(full).toBeInstanceOf(StoreFullError);
        expect(kept.length).toBeGreaterThan(0);
        const pending = await store.listDeliveries({ state: "pending", limit: 1_000 });
        expect(pending.map((d) => d.id)).toEqual(kept);
        // Recording outcomes still works, and pruning makes room again.
        time += 1_000;
        await Promise.all(
          kept.map((id) => store.recordOutcome({ id, state: "delivered", attempts: 1 })),
        );
        expect(await store.prune(time + 1, 1_000)).toBe(kept.length);
        await expect(store.append(big(999))).resolves.toMatchObject({ claimed: false });
      });
    });

    describe("claims", () => {
      const lease = (claimant: string, leaseMs = 10_000): ClaimLease => ({ claimant, leaseMs });
      const claim = (
        store: Store,
        who: ClaimLease,
        extra: { after?: string; conversation?: string; limit?: number } = {},
      ) => store.claimDeliveries({ ...who, stream: GLOBAL, limit: 100, ...extra });
      const ids = (page: { deliveries: readonly { id: string }[] }) =>
        page.deliveries.map((d) => d.id);

      it("claims at append for the appending queue, and gives another claimant none of it while the lease runs", async () => {
        const store = await open();
        const a = lease("a");
        await store.renewClaims(a);
        const first = await store.append(delivered(GLOBAL, 1), a);
        const logOnly = await store.append(logged(GLOBAL, 2), a);
        expect(first.claimed).toBe(true);
        expect(logOnly.claimed).toBe(false);
        const taken = await claim(store, lease("b"));
        expect(taken).toEqual({ deliveries: [], heldElsewhere: first.id });
        expect(ids(await claim(store, a))).toEqual([first.id]);
      });

      it("never gives two claimants the same row, and keeps each conversation with one claimant", async () => {
        const store = await open();
        const appended: string[] = [];
        for (let n = 0; n < 12; n++) {
          appended.push((await store.append(delivered(GLOBAL, n, `c${n % 4}`))).id);
        }
        const a = await claim(store, lease("a"), { limit: 5 });
        const b = await claim(store, lease("b"), { limit: 100 });
        expect(ids(a)).toHaveLength(5);
        const both = [...ids(a), ...ids(b)];
        expect(new Set(both).size).toBe(both.length);
        // a took the heads of c0..c3 and c0's second row; b gets nothing of those conversations.
        expect(ids(b)).toEqual([]);
        expect(b.heldElsewhere).toBe(appended[0]);
        const more = await claim(store, lease("a"), { after: ids(a)[4] });
        expect(sorted([...ids(a), ...ids(more)])).toEqual(appended);
        const rows = await store.listDeliveries({ state: "pending", limit: 100 });
        expect(rows.map((d) => d.id)).toEqual(appended);
      });

      it("passes over a conversation whose head another claimant holds, appends to it included", async () => {
        const store = await open();
        const a = lease("a");
        const b = lease("b");
        const head = await store.append(delivered(GLOBAL, 1, "x"), a);
        const free = await store.append(delivered(GLOBAL, 2, "y"));
        const behind = await store.append(delivered(GLOBAL, 3, "x"), b);
        expect(behind.claimed).toBe(false);
        await store.renewClaims(a);
        const page = await claim(store, b);
        expect(ids(page)).toEqual([free.id]);
        expect(page.heldElsewhere).toBe(head.id);
        expect(ids(await claim(store, a))).toEqual([head.id, behind.id]);
      });

      it("passes over rows behind a head it does not hold, below its position too, and says where to look again", async () => {
        const store = await open();
        const a = lease("a");
        const b = lease("b");
        const head = await store.append(delivered(GLOBAL, 1, "x"), a);
        const next = await store.append(delivered(GLOBAL, 2, "x"));
        await store.renewClaims(a);
        expect(await claim(store, b, { after: head.id })).toEqual({
          deliveries: [],
          heldElsewhere: head.id,
        });
        // Free now, but the conversation is taken at its head, never behind it.
        await store.releaseClaims("a");
        expect(await claim(store, b, { after: head.id })).toEqual({
          deliveries: [],
          heldElsewhere: head.id,
        });
        expect(ids(await claim(store, b))).toEqual([head.id, next.id]);
      });

      it("claims an append only behind the claimant's own head: after a row of nobody's, a requeue, a takeover or a release it waits", async () => {
        const store = await open();
        const a = lease("a", 1_000);
        await store.renewClaims(a);
        const claimedAppend = async (conversation: string) =>
          (await store.append(delivered(GLOBAL, conversation, conversation), a)).claimed;
        // A row of nobody's joins behind a's head; once the head is delivered, it is the head.
        const x1 = await store.append(delivered(GLOBAL, 1, "x"), a);
        await store.append(delivered(GLOBAL, 2, "x"));
        await store.recordOutcome({ id: x1.id, state: "delivered", attempts: 1 });
        expect(await claimedAppend("x")).toBe(false);
        // A dead letter put back without a claim is the head again.
        const y1 = await store.append(delivered(GLOBAL, 3, "y"), a);
        await store.recordOutcome({
          id: y1.id,
          state: "failed",
          attempts: 1,
          lastError: "HTTP 500",
        });
        expect(await claimedAppend("y")).toBe(true);
        await store.requeueDelivery(y1.id);
        expect(await claimedAppend("y")).toBe(false);
        // Taken over by another claimant once a's lease ran out.
        await store.append(delivered(GLOBAL, 4, "z"), a);
        time += 1_001;
        await store.claimDeliveries({
          ...lease("b"),
          stream: GLOBAL,
          conversation: "z",
          limit: 10,
        });
        await store.renewClaims(a);
        expect(await claimedAppend("z")).toBe(false);
        // Given back.
        await store.append(delivered(GLOBAL, 5, "w"), a);
        await store.releaseClaims("a");
        expect(await claimedAppend("w")).toBe(false);
      });

      it("lets another claimant take over once the lease ran out, and not before; renewing extends it", async () => {
        const store = await open();
        const a = lease("a", 1_000);
        const row = await store.append(delivered(GLOBAL, 1), a);
        await store.renewClaims(a);
        time += 900;
        await store.renewClaims(a);
        time += 900;
        expect(ids(await claim(store, lease("b")))).toEqual([]);
        time += 101;
        expect(ids(await claim(store, lease("b")))).toEqual([row.id]);
        // Now b's: a's next claim passes it over.
        expect((await claim(store, a)).heldElsewhere).toBe(row.id);
      });

      it("keeps a claim through a retry wait, and gives the claimant's rows back at release", async () => {
        const store = await open();
        const a = lease("a");
        const first = await store.append(delivered(GLOBAL, 1), a);
        const second = await store.append(delivered(GLOBAL, 2), a);
        await store.renewClaims(a);
        // A retry wait keeps the claim: the conversation waits for its head.
        await store.recordOutcome({
          id: first.id,
          state: "pending",
          attempts: 1,
          nextAttemptAt: time + 60_000,
          lastError: "HTTP 503",
        });
        expect(ids(await claim(store, lease("b")))).toEqual([]);
        await store.recordOutcome({ id: first.id, state: "delivered", attempts: 2 });
        expect(ids(await claim(store, lease("b")))).toEqual([]);
        await store.releaseClaims("a");
        expect(ids(await claim(store, lease("b")))).toEqual([second.id]);
      });

      it("claims a requeued delivery for the claimant that requeues it", async () => {
        const store = await open();
        const row = await store.append(delivered(GLOBAL, 1));
        await store.recordOutcome({
          id: row.id,
          state: "failed",
          attempts: 3,
          lastError: "HTTP 500",
        });
        expect(ids(await claim(store, lease("b")))).toEqual([]);
        const requeued = await store.requeueDelivery(row.id, lease("a"));
        expect(requeued).toMatchObject({ id: row.id, state: "pending", attempts: 0 });
        expect(ids(await claim(store, lease("b")))).toEqual([]);
        expect(ids(await claim(store, lease("a")))).toEqual([row.id]);
      });

      it("claims one conversation after a position, and one stream only", async () => {
        const store = await open();
        const x1 = await store.append(delivered(GLOBAL, 1, "x"));
        await store.append(delivered(GLOBAL, 2, "y"));
        const x2 = await store.append(delivered(GLOBAL, 3, "x"));
        await store.append(delivered(BOT, 4, "x"));
        const a = lease("a");
        expect(ids(await claim(store, a, { conversation: "x" }))).toEqual([x1.id, x2.id]);
        expect(ids(await claim(store, a, { conversation: "x", after: x1.id }))).toEqual([x2.id]);
        const ofBot = await store.claimDeliveries({ ...a, stream: BOT, limit: 10 });
        expect(ofBot.deliveries.map((d) => d.stream)).toEqual([BOT]);
      });
    });

    describe("bots", () => {
      it("keeps bots with their times in ms, by name", async () => {
        const store = await open();
        await store.putBot({
          name: "zed",
          tokenHashes: ["aa"],
          webhook: { url: "http://hook.test/z", secret: "s" },
          createdAt: 1_000,
          updatedAt: 1_000,
        });
        await store.putBot({
          name: "amy",
          tokenHashes: [],
          autoJoinOnInvite: true,
          createdAt: 2_000,
          updatedAt: 2_000,
        });
        await store.putBot({
          name: "zed",
          tokenHashes: ["bb"],
          createdAt: 5_000,
          updatedAt: 5_000,
        });
        expect((await store.listBots()).map((b) => b.name)).toEqual(["amy", "zed"]);
        expect(await store.getBot("zed")).toEqual({
          name: "zed",
          tokenHashes: ["bb"],
          webhook: undefined,
          createdAt: 1_000,
          updatedAt: 5_000,
        });
        expect((await store.getBot("amy"))?.autoJoinOnInvite).toBe(true);
        expect(await store.getBot("nobody")).toBeUndefined();
      });

      it("forgets a deleted bot's stream, position, history and rooms, and nobody else's", async () => {
        const store = await open();
        await store.putBot({ name: "b", tokenHashes: [], createdAt: 1, updatedAt: 1 });
        for (const owner of [BOT, ACCOUNT]) {
          await store.append(logged(owner, 1));
          await store.acknowledge(owner, "1");
          await store.appendHistory(historyEntry(owner, 1, "alice@x"));
          await store.putRoom({ owner, room: "lobby@muc.x", nick: "B", joinedAt: 1 });
          await store.appendRoomMessage(roomMessage(owner, "lobby@muc.x", "hi"));
        }
        // Waiting for its webhook: kept until delivered (then pruned as usual).
        const waiting = await store.append(delivered(BOT, 2, "a@x\nb@rest"));
        expect(await store.deleteBot("b", BOT)).toBe(true);
        expect(await store.deleteBot("b", BOT)).toBe(false);
        expect(await store.getBot("b")).toBeUndefined();
        expect((await store.readEvents(BOT, "0", 10)).map((e) => e.id)).toEqual([waiting.id]);
        expect(await store.ackedEventId(BOT)).toBe("0");
        expect((await store.pageHistory(BOT, { limit: 10 })).entries).toEqual([]);
        expect(await store.listRooms(BOT)).toEqual([]);
        expect((await store.pageRoomMessages(BOT, "lobby@muc.x", { limit: 10 })).messages).toEqual(
          [],
        );
        expect(await store.readEvents(ACCOUNT, "0", 10)).toHaveLength(1);
        expect(await store.ackedEventId(ACCOUNT)).not.toBe("0");
        expect((await store.pageHistory(ACCOUNT, { limit: 10 })).entries).toHaveLength(1);
        expect(await store.listRooms(ACCOUNT)).toHaveLength(1);
        expect(
          (await store.pageRoomMessages(ACCOUNT, "lobby@muc.x", { limit: 10 })).messages,
        ).toHaveLength(1);
      });
    });

    describe("accounts", () => {
      const account = (jid: string, time: number) => ({
        jid,
        credentials: "sealed",
        settings: '{"resource":"r"}',
        tokenHashes: ["aa"],
        createdAt: time,
        updatedAt: time,
      });

      it("keeps accounts by JID with their sealed credentials, settings and last archive id", async () => {
        const store = await open();
        await store.putAccount(account("zoe@example.org", 1_000));
        await store.putAccount({
          ...account("amy@example.org", 2_000),
          webhook: { url: "http://hook.test/a", token: "t" },
        });
        await store.setAccountArchiveId("zoe@example.org", "A-17");
        await store.setAccountCredentials("zoe@example.org", "sealed-keys");
        // A later PUT keeps the archive position it does not name.
        await store.putAccount({ ...account("zoe@example.org", 5_000), credentials: "new" });
        expect((await store.listAccounts()).map((a) => a.jid)).toEqual([
          "amy@example.org",
          "zoe@example.org",
        ]);
        expect(await store.getAccount("zoe@example.org")).toEqual({
          ...account("zoe@example.org", 1_000),
          credentials: "new",
          webhook: undefined,
          lastArchiveId: "A-17",
          updatedAt: 5_000,
        });
        expect((await store.getAccount("amy@example.org"))?.webhook?.url).toBe(
          "http://hook.test/a",
        );
        expect(await store.getAccount("nobody@example.org")).toBeUndefined();
      });

      it("forgets a deleted account's stream and history, and nobody else's", async () => {
        const store = await open();
        await store.putAccount(account("b@example.org", 1));
        for (const owner of [BOT, ACCOUNT]) {
          await store.append(logged(owner, 1));
          await store.appendHistory(historyEntry(owner, 1, "alice@x"));
        }
        expect(await store.deleteAccount("b@example.org", ACCOUNT)).toBe(true);
        expect(await store.deleteAccount("b@example.org", ACCOUNT)).toBe(false);
        expect(await store.listAccounts()).toEqual([]);
        expect(await store.readEvents(ACCOUNT, "0", 10)).toEqual([]);
        expect((await store.pageHistory(ACCOUNT, { limit: 10 })).entries).toEqual([]);
        expect(await store.readEvents(BOT, "0", 10)).toHaveLength(1);
      });
    });

    describe("contacts and conversations", () => {
      const contact = (jid: string, extra: Partial<ContactRecord> = {}): ContactRecord => ({
        jid,
        groups: [],
        subscription: "none",
        ask: false,
        approved: false,
        ...extra,
      });
      const conversation = (peer: string, time: number, unread = 0): ConversationRecord => ({
        with: peer,
        kind: "chat",
        last: { id: `m-${time}`, time, from: peer, body: `at ${time}` },
        unread,
        unreadIds: unread > 0 ? [{ id: `m-${time}` }] : [],
      });

      it("keeps a roster with its version, replaced whole or changed by pushes", async () => {
        const store = await open();
        expect(await store.getRoster(ACCOUNT)).toEqual({ version: undefined, contacts: [] });
        await store.replaceRoster(ACCOUNT, {
          version: "v1",
          contacts: [
            contact("zed@x", { name: "Zed", groups: ["Friends"], subscription: "both" }),
            contact("amy@x", { ask: true }),
          ],
        });
        await store.updateRoster(ACCOUNT, "v2", {
          contact: contact("bob@x", { subscription: "to" }),
        });
        await store.updateRoster(ACCOUNT, "v3", { remove: "zed@x" });
        const roster = await store.getRoster(ACCOUNT);
        expect(roster.version).toBe("v3");
        expect(roster.contacts).toEqual([
          contact("amy@x", { ask: true }),
          contact("bob@x", { subscription: "to" }),
        ]);
        await store.replaceRoster(ACCOUNT, { version: undefined, contacts: [] });
        expect(await store.getRoster(ACCOUNT)).toEqual({ version: undefined, contacts: [] });
        expect((await store.getRoster(BOT)).contacts).toEqual([]);
      });

      it("lists subscription requests until they are answered, one per JID", async () => {
        const store = await open();
        await store.putSubscriptionRequest(ACCOUNT, { jid: "amy@x", time: 2, status: "hi" });
        await store.putSubscriptionRequest(ACCOUNT, { jid: "bob@x", time: 1 });
        await store.putSubscriptionRequest(ACCOUNT, { jid: "amy@x", time: 3 });
        expect(await store.listSubscriptionRequests(ACCOUNT)).toEqual([
          { jid: "bob@x", time: 1 },
          { jid: "amy@x", time: 3 },
        ]);
        await store.deleteSubscriptionRequest(ACCOUNT, "bob@x");
        expect((await store.listSubscriptionRequests(ACCOUNT)).map((r) => r.jid)).toEqual([
          "amy@x",
        ]);
      });

      it("keeps one conversation per peer with its last message and unread ids", async () => {
        const store = await open();
        await store.putConversation(ACCOUNT, conversation("amy@x", 5, 1));
        await store.putConversation(ACCOUNT, conversation("bob@x", 7));
        await store.putConversation(ACCOUNT, {
          ...conversation("amy@x", 9, 2),
          displayedId: "m-4",
        });
        const all = await store.listConversations(ACCOUNT);
        expect(all.sort((a, b) => b.last.time - a.last.time)).toEqual([
          { ...conversation("amy@x", 9, 2), displayedId: "m-4" },
          conversation("bob@x", 7),
        ]);
        expect(await store.listConversations(BOT)).toEqual([]);
      });

      it("forgets an account's contacts, requests and conversations with the account", async () => {
        const store = await open();
        await store.putAccount({
          jid: "b@example.org",
          credentials: "c",
          settings: "{}",
          tokenHashes: [],
          createdAt: 1,
          updatedAt: 1,
        });
        await store.replaceRoster(ACCOUNT, { version: "v", contacts: [contact("a@x")] });
        await store.putSubscriptionRequest(ACCOUNT, { jid: "a@x", time: 1 });
        await store.putConversation(ACCOUNT, conversation("a@x", 1));
        await store.deleteAccount("b@example.org", ACCOUNT);
        expect(await store.getRoster(ACCOUNT)).toEqual({ version: undefined, contacts: [] });
        expect(await store.listSubscriptionRequests(ACCOUNT)).toEqual([]);
        expect(await store.listConversations(ACCOUNT)).toEqual([]);
      });
    });

    describe("history", () => {
      it("pages newest first both ways, with one peer or all, and says whether more pages exist", async () => {
        const store = await open();
        for (let n = 1; n <= 5; n++) {
          await store.appendHistory(historyEntry(BOT, n, "alice@x", n % 2 ? "in" : "out"));
        }
        const last = await store.appendHistory(historyEntry(BOT, 6, "bob@x"));
        expect(last).toEqual({
          id: last.id,
          direction: "in",
          from: "bob@x",
          to: "b@rest",
          type: "chat",
          body: "m6",
          stanza: "<message/>",
          time: 6,
        });
        const newest = await store.pageHistory(BOT, { with: "alice@x", limit: 2 });
        expect(newest.entries.map((e) => e.body)).toEqual(["m5", "m4"]);
        expect(newest).toMatchObject({ hasOlder: true, hasNewer: false });
        const older = await store.pageHistory(BOT, {
          with: "alice@x",
          limit: 2,
          before: newest.entries[1]?.id,
        });
        expect(older.entries.map((e) => e.body)).toEqual(["m3", "m2"]);
        expect(older).toMatchObject({ hasOlder: true, hasNewer: true });
        const oldest = await store.pageHistory(BOT, {
          with: "alice@x",
          limit: 2,
          before: older.entries[1]?.id,
        });
        expect(oldest.entries.map((e) => e.body)).toEqual(["m1"]);
        expect(oldest).toMatchObject({ hasOlder: false, hasNewer: true });
        const forward = await store.pageHistory(BOT, { limit: 2, after: older.entries[1]?.id });
        expect(forward.entries.map((e) => e.body)).toEqual(["m4", "m3"]);
        const everyone = await store.pageHistory(BOT, { limit: 10 });
        expect(everyone.entries[0]?.body).toBe("m6");
        expect(everyone).toMatchObject({ hasOlder: false, hasNewer: false });
      });

      it("keeps a bot's and an account's history apart", async () => {
        const store = await open();
        await store.appendHistory(historyEntry(BOT, 1, "alice@x"));
        await store.appendHistory(historyEntry(ACCOUNT, 2, "alice@x"));
        const ofBot = await store.pageHistory(BOT, { with: "alice@x", limit: 10 });
        expect(ofBot.entries.map((e) => e.body)).toEqual(["m1"]);
        const ofAccount = await store.pageHistory(ACCOUNT, { limit: 10 });
        expect(ofAccount.entries.map((e) => e.body)).toEqual(["m2"]);
      });

      it("finds a message by the id the API hands out, newest first, and only the owner's", async () => {
        const store = await open();
        await store.appendHistory({ ...historyEntry(BOT, 1, "alice@x"), messageId: "dup" });
        await store.appendHistory({ ...historyEntry(BOT, 2, "bob@x", "out"), messageId: "dup" });
        await store.appendHistory({ ...historyEntry(ACCOUNT, 3, "alice@x"), messageId: "other" });
        expect(await store.findHistoryMessage(BOT, "dup")).toMatchObject({
          body: "m2",
          peer: "bob@x",
          direction: "out",
          messageId: "dup",
        });
        expect(await store.findHistoryMessage(BOT, "other")).toBeUndefined();
        expect(await store.findHistoryMessage(BOT, "")).toBeUndefined();
      });

      it("applies a correction and a retraction from the message's sender only, and never undoes a retraction", async () => {
        const store = await open();
        await store.appendHistory({ ...historyEntry(BOT, 1, "alice@x"), messageId: "a1" });
        const target = { messageId: "a1", direction: "in" as const, peer: "alice@x" };
        // Someone else in the conversation, or the other direction: not the sender.
        const edit = { kind: "edit" as const, body: "fixed", time: 50 };
        expect(await store.amendHistory(BOT, { ...target, peer: "mallory@x" }, edit)).toBe(false);
        expect(await store.amendHistory(BOT, { ...target, direction: "out" }, edit)).toBe(false);
        expect(await store.amendHistory(ACCOUNT, target, edit)).toBe(false);
        expect(await store.amendHistory(BOT, target, edit)).toBe(true);
        expect(await store.findHistoryMessage(BOT, "a1")).toMatchObject({
          body: "fixed",
          editedAt: 50,
        });
        expect(await store.amendHistory(BOT, target, { kind: "delete", time: 60 })).toBe(true);
        const [entry] = (await store.pageHistory(BOT, { limit: 1 })).entries;
        expect(entry).toMatchObject({ body: "", editedAt: 50, deletedAt: 60, messageId: "a1" });
        expect(
          await store.amendHistory(BOT, target, { kind: "edit", body: "back", time: 70 }),
        ).toBe(false);
        expect((await store.findHistoryMessage(BOT, "a1"))?.body).toBe("");
      });
    });

    describe("rooms", () => {
      const ROOM = "lobby@muc.localhost";

      it("keeps an owner's rooms until it leaves them; an update keeps the first join's time", async () => {
        const store = await open();
        await store.putRoom({
          owner: BOT,
          room: ROOM,
          nick: "Bot",
          password: "pw",
          joinedAt: 1_000,
        });
        await store.putRoom({ owner: BOT, room: ROOM, nick: "Bot2", joinedAt: 9_000 });
        await store.putRoom({ owner: "bot:c", room: ROOM, nick: "C", joinedAt: 1_000 });
        await store.putRoom({ owner: BOT, room: "a@muc.localhost", nick: "A", joinedAt: 2_000 });
        expect(await store.listRooms(BOT)).toEqual([
          { owner: BOT, room: "a@muc.localhost", nick: "A", joinedAt: 2_000 },
          { owner: BOT, room: ROOM, nick: "Bot2", joinedAt: 1_000 },
        ]);
        expect((await store.listRooms()).map((r) => `${r.owner} ${r.room}`)).toEqual([
          `${BOT} a@muc.localhost`,
          `${BOT} ${ROOM}`,
          `bot:c ${ROOM}`,
        ]);
        expect(await store.deleteRoom(BOT, ROOM)).toBe(true);
        expect(await store.deleteRoom(BOT, ROOM)).toBe(false);
        expect((await store.listRooms(BOT)).map((r) => r.room)).toEqual(["a@muc.localhost"]);
        expect(await store.listRooms(ACCOUNT)).toEqual([]);
      });

      it("pages a room's messages newest first, per owner and room", async () => {
        const store = await open();
        for (const n of [1, 2, 3, 4, 5])
          await store.appendRoomMessage(roomMessage(BOT, ROOM, `m${n}`));
        await store.appendRoomMessage(roomMessage(BOT, "other@muc.localhost", "elsewhere"));
        await store.appendRoomMessage(roomMessage("bot:c", ROOM, "another bot"));
        await store.appendRoomMessage(roomMessage(ACCOUNT, ROOM, "an account"));
        const first = await store.pageRoomMessages(BOT, ROOM, { limit: 2 });
        expect(first.messages.map((m) => m.body)).toEqual(["m5", "m4"]);
        expect(first).toMatchObject({ hasOlder: true, hasNewer: false });
        const oldest = first.messages[1]?.id ?? "";
        const second = await store.pageRoomMessages(BOT, ROOM, { before: oldest, limit: 2 });
        expect(second.messages.map((m) => m.body)).toEqual(["m3", "m2"]);
        const last = await store.pageRoomMessages(BOT, ROOM, {
          before: second.messages[1]?.id,
          limit: 2,
        });
        expect(last.messages.map((m) => m.body)).toEqual(["m1"]);
        expect(last).toMatchObject({ hasOlder: false, hasNewer: true });
        const forward = await store.pageRoomMessages(BOT, ROOM, { after: oldest, limit: 10 });
        expect(forward.messages.map((m) => m.body)).toEqual(["m5"]);
        expect(first.messages[0]).toEqual({
          id: first.messages[0]?.id,
          nick: "alice",
          from: `${ROOM}/alice`,
          body: "m5",
          stanza: '<message type="groupchat"><body>m5</body></message>',
          time: 1_000_000,
        });
        const ofAccount = await store.pageRoomMessages(ACCOUNT, ROOM, { limit: 10 });
        expect(ofAccount.messages.map((m) => m.body)).toEqual(["an account"]);
      });

      it("finds a room message by its API id and changes it by any of its ids, the sender's only", async () => {
        const store = await open();
        const said = {
          ...roomMessage(BOT, ROOM, "hello"),
          messageId: "room-sid-1",
          originId: "alice-1",
          stanzaId: "room-sid-1",
        };
        const stored = await store.appendRoomMessage(said);
        expect(stored).toMatchObject({ messageId: "room-sid-1", originId: "alice-1" });
        const own = {
          ...roomMessage(BOT, ROOM, "mine"),
          nick: "bot",
          messageId: "bot-1",
          originId: "bot-1",
          stanzaId: "room-sid-2",
          own: true,
        };
        await store.appendRoomMessage(own);
        expect(await store.findRoomMessage(BOT, "bot-1")).toMatchObject({
          room: ROOM,
          own: true,
          stanzaId: "room-sid-2",
        });
        expect(await store.findRoomMessage(ACCOUNT, "bot-1")).toBeUndefined();
        // A correction names the sender's own id, and only the sender's counts.
        const edit = { kind: "edit" as const, body: "hello!", time: 5 };
        const byOrigin = { by: "origin" as const, id: "alice-1" };
        expect(await store.amendRoomMessage(BOT, ROOM, { ...byOrigin, nick: "bob" }, edit)).toBe(
          false,
        );
        expect(await store.amendRoomMessage(BOT, ROOM, { ...byOrigin, nick: "alice" }, edit)).toBe(
          true,
        );
        expect(await store.findRoomMessage(BOT, "room-sid-1")).toMatchObject({
          body: "hello!",
          editedAt: 5,
        });
        // A moderation names the room's stanza-id, whoever said it.
        const moderated = { by: "stanza" as const, id: "room-sid-2" };
        expect(
          await store.amendRoomMessage(BOT, ROOM, moderated, { kind: "delete", time: 9 }),
        ).toBe(true);
        const page = await store.pageRoomMessages(BOT, ROOM, { limit: 10 });
        expect(page.messages.map((m) => [m.body, m.deletedAt])).toEqual([
          ["", 9],
          ["hello!", undefined],
        ]);
        const byMessage = { by: "message" as const, id: "bot-1" };
        expect(await store.amendRoomMessage(BOT, ROOM, byMessage, edit)).toBe(false);
      });
    });

    describe("commands", () => {
      it("keeps each owner's commands in declared order, replaced whole, gone with the bot", async () => {
        const store = await open();
        await store.putCommands(BOT, [
          { node: "weather", name: "Weather" },
          { node: "alpha", name: "Alpha" },
        ]);
        await store.putCommands(ACCOUNT, [{ node: "x", name: "X" }]);
        expect(await store.listCommands(BOT)).toEqual([
          {
            owner: BOT,
            commands: [
              { node: "weather", name: "Weather" },
              { node: "alpha", name: "Alpha" },
            ],
          },
        ]);
        await store.putCommands(BOT, [{ node: "alpha", name: "Alpha 2" }]);
        expect((await store.listCommands()).map((o) => [o.owner, o.commands.length])).toEqual([
          [ACCOUNT, 1],
          [BOT, 1],
        ]);
        await store.putCommands(BOT, []);
        expect(await store.listCommands(BOT)).toEqual([]);
        await store.putBot({ name: "c", tokenHashes: [], createdAt: 1, updatedAt: 1 });
        await store.putCommands("bot:c", [{ node: "n", name: "N" }]);
        await store.deleteBot("c", "bot:c");
        expect(await store.listCommands("bot:c")).toEqual([]);
      });
    });

    describe("pruning", () => {
      it("prunes finished deliveries older than the cut-off with their events, in batches, never pending ones", async () => {
        const store = await open();
        const appended: string[] = [];
        for (let i = 0; i < 5; i++) appended.push((await store.append(delivered(GLOBAL, i))).id);
        const [keep, ...done] = appended;
        time = 2_000_000;
        await Promise.all(
          done.map((id) => store.recordOutcome({ id, state: "delivered", attempts: 1 })),
        );
        expect(await store.prune(2_000_001, 3)).toBe(3);
        expect(await store.prune(2_000_001, 3)).toBe(1);
        expect(await store.prune(2_000_001, 3)).toBe(0);
        expect((await store.readEvents(GLOBAL, "0", 10)).map((e) => e.id)).toEqual([keep]);
      });

      it("prunes logged events, history and room messages by age", async () => {
        const store = await open();
        await store.append(logged(BOT, "old"));
        await store.appendHistory(historyEntry(BOT, 1, "alice@x", "in", 1_000));
        await store.appendRoomMessage({ ...roomMessage(BOT, "r@muc.x", "old"), time: 1_000 });
        const waiting = await store.append(delivered(BOT, "waits", "a@x\nb@rest"));
        time = 3_000_000;
        const recent = await store.append(logged(BOT, "new"));
        await store.appendHistory(historyEntry(BOT, 2, "alice@x", "in", 3_000_000));
        await store.appendRoomMessage({ ...roomMessage(BOT, "r@muc.x", "new"), time: 3_000_000 });
        expect(await store.prune(2_000_000, 100)).toBe(3);
        expect(await store.prune(2_000_000, 100)).toBe(0);
        expect((await store.readEvents(BOT, "0", 10)).map((e) => e.id)).toEqual([
          waiting.id,
          recent.id,
        ]);
        expect((await store.pageHistory(BOT, { limit: 10 })).entries.map((e) => e.body)).toEqual([
          "m2",
        ]);
        const messages = await store.pageRoomMessages(BOT, "r@muc.x", { limit: 10 });
        expect(messages.messages.map((m) => m.body)).toEqual(["new"]);
      });
    });

    describe("across a reopen", () => {
      it("keeps the log, deliveries, positions, bots, history, rooms and the store id", async () => {
        if (!target.reopen) return;
        let store = await open();
        const first = await store.append(delivered(GLOBAL, 1));
        const second = await store.append(delivered(GLOBAL, 2));
        await store.recordOutcome({
          id: first.id,
          state: "failed",
          attempts: 2,
          lastError: "HTTP 500",
        });
        await store.acknowledge(BOT, "7");
        await store.putBot({ name: "b", tokenHashes: ["aa"], createdAt: 1, updatedAt: 2 });
        await store.appendHistory(historyEntry(BOT, 1, "alice@x"));
        await store.putRoom({
          owner: BOT,
          room: "r@muc.x",
          nick: "B",
          password: "pw",
          joinedAt: 5,
        });
        await store.appendRoomMessage(roomMessage(BOT, "r@muc.x", "hi"));
        const { storeId } = store;
        expect(storeId).toMatch(/^\S+$/);
        store = await reopen(store);
        expect(store.storeId).toBe(storeId);
        const pending = await store.listDeliveries({ state: "pending", limit: 10 });
        expect(pending.map((d) => d.id)).toEqual([second.id]);
        expect(await store.getDelivery(first.id)).toMatchObject({ state: "failed", attempts: 2 });
        expect(await store.ackedEventId(BOT)).toBe("7");
        expect(await store.getBot("b")).toMatchObject({ tokenHashes: ["aa"], createdAt: 1 });
        expect((await store.pageHistory(BOT, { limit: 10 })).entries).toHaveLength(1);
        expect(await store.listRooms(BOT)).toEqual([
          { owner: BOT, room: "r@muc.x", nick: "B", password: "pw", joinedAt: 5 },
        ]);
        expect((await store.pageRoomMessages(BOT, "r@muc.x", { limit: 10 })).messages).toHaveLength(
          1,
        );
        // Ids keep growing after a reopen.
        const third = await store.append(delivered(GLOBAL, 3));
        expect(Number(third.id)).toBeGreaterThan(Number(second.id));
      });

      it("forgets every claim of the processes before it", async () => {
        if (!target.reopen) return;
        let store = await open();
        const row = await store.append(delivered(GLOBAL, 1), {
          claimant: "gone",
          leaseMs: 3_600_000,
        });
        await store.renewClaims({ claimant: "gone", leaseMs: 3_600_000 });
        store = await reopen(store);
        const page = await store.claimDeliveries({
          claimant: "next",
          leaseMs: 1_000,
          stream: GLOBAL,
          limit: 10,
        });
        expect(page.deliveries.map((d) => d.id)).toEqual([row.id]);
      });
    });
  });
}

function historyEntry(
  owner: string,
  n: number,
  peer: string,
  direction: "in" | "out" = "in",
  time = n,
) {
  return {
    owner,
    direction,
    peer,
    from: direction === "in" ? peer : "b@rest",
    to: direction === "in" ? "b@rest" : peer,
    type: "chat",
    body: `m${n}`,
    stanza: "<message/>",
    time,
  };
}

function roomMessage(owner: string, room: string, body: string) {
  return {
    owner,
    room,
    nick: "alice",
    from: `${room}/alice`,
    body,
    stanza: `<message type="groupchat"><body>${body}</body></message>`,
    time: 1_000_000,
  };
}
