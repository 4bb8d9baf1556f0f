import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type pg from "pg";
import type { ClusterChannel, ClusterStore, Lease } from "../cluster.js";
import type { Store, StoreSettings, StoreTuning } from "../types.js";
import { createPgAccounts } from "./accounts.js";
import { BOTS_CHANNEL, createPgBots } from "./bots.js";
import { createPgCommands } from "./commands.js";
import { clientConfig, createPool, describeUri, openFailure } from "./connect.js";
import { createPgContacts } from "./contacts.js";
import { createPgDeliveries } from "./deliveries.js";
import { createPgEventLog } from "./events.js";
import type { FenceState } from "./fence.js";
import { createPgHistory } from "./history.js";
import { createPgLeases, LEASE_CHANNEL } from "./leases.js";
import { migrate } from "./migrations.js";
import { ANSWERS_CHANNEL, createPgOutbox } from "./outbox.js";
import { prune } from "./prune.js";
import { createPgRooms } from "./rooms.js";
import { openSession, type Session } from "./session.js";
import { createWatchers } from "./watchers.js";
import { createWriter } from "./writer.js";

/** How often readers look for other processes' appends when no doorbell rang (a safety net). */
const POLL_MS = 1_000;

/** The server channel of each cluster doorbell (plus xr_events, the log's). */
const CHANNELS: Record<ClusterChannel, string> = {
  lease: LEASE_CHANNEL,
  outbox: "xr_outbox",
  answers: ANSWERS_CHANNEL,
  bots: BOTS_CHANNEL,
};
const EVENTS_CHANNEL = "xr_events";

/**
 * Opens a PostgreSQL store: connects, migrates (exit 2 on a newer schema, like SQLite),
 * opens this process's session (./session.ts) and registers the instance. Throws
 * StoreOpenError with one line (never the password) when the database cannot be used.
 */
export async function openPostgresStore(
  uri: string,
  tuning: StoreTuning = {},
  settings: StoreSettings = {},
): Promise<Store> {
  const location = describeUri(uri);
  const config = clientConfig(uri, settings);
  const pool = createPool(uri, settings);
  let storeId: string;
  let session: Session;
  const instance = `${hostname()}/${process.pid}/${randomBytes(3).toString("hex")}`;
  try {
    const client = await pool.connect();
    try {
      storeId = await migrate(client, location);
    } finally {
      client.release();
    }
    session = await openSession({
      config,
      channels: [EVENTS_CHANNEL, ...Object.values(CHANNELS)],
    });
    await session.query(
      `INSERT INTO instances (instance, lock, started_at) VALUES ($1, $2, xr_now_ms())
       ON CONFLICT (instance) DO UPDATE SET lock = excluded.lock`,
      [instance, session.lock],
    );
  } catch (err) {
    await pool.end().catch(() => {});
    throw openFailure(uri, err);
  }
  return createPgStore({ pool, session, instance, storeId, location, tuning, settings });
}

interface PgStoreParts {
  readonly pool: pg.Pool;
  readonly session: Session;
  readonly instance: string;
  readonly storeId: string;
  readonly location: string;
  readonly tuning: StoreTuning;
  readonly settings: StoreSettings;
}

function createPgStore(parts: PgStoreParts): Store {
  const { pool, session, instance, storeId, location, tuning } = parts;
  const clock = (): number | null => (tuning.now ? tuning.now() : null);
  const now = async (client: pg.ClientBase) =>
    tuning.now
      ? tuning.now()
      : Number(
          (await client.query<{ now: string }>("SELECT xr_now_ms()::text AS now")).rows[0]?.now,
        );
  let fenceOn = false;
  let fenceLease: Lease | undefined;
  const fence = (): FenceState => ({ on: fenceOn, lease: fenceLease, instance });
  const watchers = createWatchers(pool, { pollMs: POLL_MS });
  const writer = createWriter({
    pool,
    clock,
    fence,
    instance,
    committed(ops, results) {
      const appended: { stream: string; id: string }[] = [];
      ops.forEach((op, i) => {
        const result = results[i];
        if (op.kind === "append" && typeof result === "object" && "claimed" in result) {
          appended.push({ stream: op.event.stream, id: result.id });
        }
      });
      if (appended.length > 0) watchers.appended(appended);
    },
  });
  const outbox = createPgOutbox({
    pool,
    writer,
    fence,
    clock,
    limit: parts.settings.outboxLimit ?? 100_000,
  });
  const depthTimer = setInterval(() => void outbox.refreshDepth().catch(() => {}), 1_000);
  depthTimer.unref();

  const listeners = new Map<ClusterChannel, Set<(payload: string) => void>>();
  const emit = (channel: ClusterChannel, payload: string) => {
    for (const listener of [...(listeners.get(channel) ?? [])]) {
      try {
        listener(payload);
      } catch {
        // A listener's failure is its own.
      }
    }
  };
  const ringListeners = new Set<(channel: ClusterChannel | "events") => void>();
  const offNotifications = session.onNotification((channel, payload) => {
    const reconnected = payload === "";
    // Rung by this process itself (its own appends, bots, outbox rows): not a wake-up.
    const own =
      channel !== ANSWERS_CHANNEL && (payload === instance || payload.startsWith(`${instance} `));
    if (!reconnected && !own) {
      const name =
        channel === EVENTS_CHANNEL
          ? "events"
          : (Object.keys(CHANNELS) as ClusterChannel[]).find((k) => CHANNELS[k] === channel);
      if (name) for (const listener of [...ringListeners]) listener(name);
    }
    if (channel === EVENTS_CHANNEL) {
      if (reconnected || payload !== instance) watchers.look();
      return;
    }
    const kind = (Object.keys(CHANNELS) as ClusterChannel[]).find((k) => CHANNELS[k] === channel);
    if (!kind) return;
    if (reconnected) return emit(kind, "");
    if (kind === "answers" || kind === "bots") {
      // "<instance> <rest>": answers for this instance only, bots changed by the others.
      const space = payload.indexOf(" ");
      const who = payload.slice(0, space);
      const rest = payload.slice(space + 1);
      if (kind === "answers" ? who === instance : who !== instance) emit(kind, rest);
      return;
    }
    emit(kind, payload);
  });

  const cluster: ClusterStore = {
    instance,
    flush: () => writer.barrier(),
    onRing(listener) {
      ringListeners.add(listener);
      return () => ringListeners.delete(listener);
    },
    leases: createPgLeases(session, instance),
    outbox,
    on(channel, listener) {
      let set = listeners.get(channel);
      if (!set) {
        set = new Set();
        listeners.set(channel, set);
      }
      set.add(listener);
      return () => set.delete(listener);
    },
    fence(lease) {
      fenceOn = true;
      fenceLease = lease;
    },
    get reachable() {
      return session.connected;
    },
    onReachability: (listener) => session.onState(listener),
  };

  let closed = false;
  return {
    ...createPgEventLog(pool, writer, watchers),
    ...createPgDeliveries({ pool, writer, now, lock: () => session.lock }),
    ...createPgBots(pool, writer, instance),
    ...createPgHistory(pool, writer),
    ...createPgRooms(pool, writer),
    ...createPgCommands(pool, writer),
    ...createPgAccounts(pool, writer),
    ...createPgContacts(pool, writer),
    location,
    volatile: false,
    storeId,
    cluster,
    prune: (before, batch) =>
      writer.transaction(async (client) => prune(client, before, batch, await now(client))),
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(depthTimer);
      offNotifications();
      watchers.close();
      await writer.close();
      await session.query("DELETE FROM instances WHERE instance = $1", [instance]).catch(() => {});
      await session.close();
      await pool.end().catch(() => {});
    },
  };
}
