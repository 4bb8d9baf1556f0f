import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { type ServerType, serve } from "@hono/node-server";
import { WebSocketServer } from "ws";
import { type Bots, createBots } from "./bots/index.js";
import { claimBotAnswer, createBotOutbound, createBotOwners } from "./bots/owners.js";
import { type Cluster, createCluster, type HolderTiming } from "./cluster/index.js";
import type { Config } from "./config.js";
import { createApp } from "./http/app.js";
import { createInbound } from "./inbound/index.js";
import type { Logger } from "./log.js";
import { createMessageActions } from "./messages/actions.js";
import { createFiles } from "./messages/files.js";
import { createMessageLookup, replyTarget } from "./messages/known.js";
import { componentServer, createUploader, FILE_TIMEOUT_MS } from "./messages/upload.js";
import { createMetrics, type Metrics, noMetrics } from "./metrics.js";
import { askAs } from "./outbound/ask.js";
import type { OutboundConnection } from "./outbound/index.js";
import { ownerId, ownerOf } from "./owner.js";
import { createRoomDirectory, DIRECTORY_TIMEOUT_MS } from "./rooms/directory.js";
import { createRooms } from "./rooms/index.js";
import { serviceUnavailable } from "./stanza/errors.js";
import { openStore, type Store, type StoreSettings, type StoreTuning } from "./store/index.js";
import { startPruner } from "./store/pruner.js";
import { createConsumers } from "./stream/consumers.js";
import { DEFAULT_STREAM_LIMITS, type StreamLimits } from "./stream/limits.js";
import { createWebhook, type Webhook, withWebhookId } from "./webhook/index.js";
import { createLink, type Link } from "./xmpp/link.js";

export interface Bridge {
  /** The link as this process may use it (with several processes: offline on a standby). */
  readonly link: Link;
  readonly store: Store;
  /** The HTTP port actually bound (useful with httpPort 0). */
  readonly port: number;
  /** Several processes on one database: this process's part (its role, the lease). */
  readonly cluster: Cluster | undefined;
  stop(): Promise<void>;
}

export interface BridgeOptions {
  /** How long stop() lets in-flight HTTP requests finish before cutting them off. */
  readonly drainTimeoutMs?: number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Store tuning for tests (a size cap to run out of room for real). */
  readonly store?: StoreTuning;
  /** Pacing of SSE/WebSocket/long-poll readers (tests shorten heartbeats and stall limits). */
  readonly streamLimits?: Partial<StreamLimits>;
  /** Several processes: the lease's timing (tests shorten it). */
  readonly holderTiming?: Partial<HolderTiming>;
}

/** The settings of a database server store, from the configuration. */
function storeSettings(config: Config): StoreSettings {
  return {
    poolSize: config.storePoolSize,
    statementTimeoutMs: config.storeStatementTimeoutMs,
    tls: config.storeTls,
    caFile: config.storeCa,
    outboxLimit: config.outboxLimit,
  };
}

/**
 * Wires config, store, component link (with its pending-iq tracker), webhook and HTTP API
 * together and starts them. With a store several processes share, this process takes part
 * in holding the link (src/cluster/): it holds it, or stands by and serves the API without
 * it. Throws StoreOpenError when the store is unusable.
 */
export async function startBridge(
  config: Config,
  log: Logger,
  options: BridgeOptions = {},
): Promise<Bridge> {
  const metrics = config.metrics ? createMetrics() : noMetrics;
  const store = await openStore(config.store, options.store, storeSettings(config));
  if (store.volatile) {
    log.warn("store is in memory: stanzas not yet delivered are lost when the bridge stops");
  }
  const raw = createLink({
    metrics,
    service: config.service,
    domain: config.domain,
    secret: config.secret,
    log,
    stanzaLimit: config.serverStanzaLimit,
    maxPendingIq: config.maxPendingIq,
    ...(options.initialBackoffMs !== undefined
      ? { initialBackoffMs: options.initialBackoffMs }
      : {}),
    ...(options.maxBackoffMs !== undefined ? { maxBackoffMs: options.maxBackoffMs } : {}),
  });
  const cluster = store.cluster
    ? createCluster({
        cluster: store.cluster,
        raw,
        log,
        metrics,
        ...(options.holderTiming ? { timing: options.holderTiming } : {}),
      })
    : undefined;
  if (cluster) store.cluster?.fence(undefined);
  // The link as this process may use it, and the way stanzas leave (the outbox for a standby).
  const link = cluster?.link ?? raw;
  const way: OutboundConnection & Pick<Link, "send"> = cluster?.routed ?? raw;

  const webhook = createWebhook({ config, link: way, log, store, metrics });
  const pruner = startPruner({ store, retentionMs: config.storeRetentionMs, log });
  const bots = await createBots({ config, store, link: way, log, metrics });
  const { outbound, rooms, directory, messages, files, uploader } = await wireOwners(config, log, {
    store,
    link,
    way,
    bots,
    webhook,
    cluster,
  });
  const streamLimits: StreamLimits = { ...DEFAULT_STREAM_LIMITS, ...options.streamLimits };
  const consumers = createConsumers(streamLimits.checkEveryMs);
  followBots(bots, consumers, store, log);
  readMetricsFrom(metrics, store, consumers);

  const app = createApp({
    settings: config,
    log,
    metrics,
    tokens: bots.registry,
    outbound,
    linkStatus: () => ({
      state: link.state,
      pendingIq: raw.iqs.size,
      ...(cluster ? cluster.status() : {}),
    }),
    deliveries: deliveriesView(store, bots, webhook),
    registry: bots.registry,
    store,
    rooms,
    messages,
    files,
    commands: bots.commands,
    directory,
    consumers,
    streamLimits,
    ...(cluster
      ? {
          holder: {
            local: () => cluster.holder.role === "holder",
            url: () => cluster.holder.holderUrl(),
          },
        }
      : {}),
  });
  let listening: ServerType | undefined;
  try {
    listening = await listen(app.fetch, config.httpHost, config.httpPort);
    await webhook.start();
  } catch (err) {
    // Release the port and the store (its lock) before giving up.
    listening?.close();
    consumers.stop();
    rooms.stop();
    cluster?.close();
    await pruner.stop();
    await Promise.all([webhook.stop(0), bots.stop(0), uploader.close()]);
    await store.close();
    throw err;
  }
  const server = listening;
  const port = (server.address() as AddressInfo).port;
  log.info("http api listening", { host: config.httpHost, port });
  if (cluster) {
    cluster.start({
      url: config.peerUrl ?? peerUrlOf(config.httpHost, port),
      claimAnswer: (answer, owner) => claimBotAnswer(bots, answer, owner),
      async gained() {
        // Rooms joined or left and menus declared through the last holder, and the deliveries
        // it held.
        await rooms.load();
        await bots.commands.load();
        webhook.rescan();
        bots.rescan();
      },
    });
  } else raw.start();

  let stopping: Promise<void> | undefined;
  const stop = async () => {
    // With several processes the link is handed over first: this process's requests still in
    // flight go through the outbox meanwhile.
    await cluster?.stop();
    // Reverse order of start-up: stop taking requests, drain, then close the stream.
    const drained = new Promise<void>((resolve) => server.close(() => resolve()));
    // Streams never end by themselves: tell each consumer why it is closed.
    consumers.closeAll("the bridge is shutting down");
    consumers.stop();
    const drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
    const timer = setTimeout(() => {
      raw.iqs.failAll(serviceUnavailable("the bridge is shutting down"));
      const http = server as { closeAllConnections?: () => void };
      setTimeout(() => http.closeAllConnections?.(), 500).unref();
    }, drainTimeoutMs);
    await drained;
    clearTimeout(timer);
    await Promise.all([webhook.stop(drainTimeoutMs), bots.stop(drainTimeoutMs), uploader.close()]);
    rooms.stop();
    await raw.stop();
    cluster?.close();
    await pruner.stop();
    await store.close();
    log.info("stopped");
  };

  return {
    link,
    store,
    port,
    cluster,
    stop: () => {
      stopping ??= stop();
      return stopping;
    },
  };
}

/** Where the other processes reach this one's HTTP API when XMPP_REST_PEER_URL says nothing. */
function peerUrlOf(host: string, port: number): string {
  const any = host === "0.0.0.0" || host === "::" || host === "";
  const name = any ? hostname() : host;
  return `http://${name.includes(":") ? `[${name}]` : name}:${port}`;
}

/**
 * Bots changed through another process (several processes on one database): the registry
 * follows, and the streams of a bot deleted (or now receiving by webhook) are closed here
 * too.
 */
function followBots(
  bots: Bots,
  consumers: ReturnType<typeof createConsumers>,
  store: Store,
  log: Logger,
) {
  bots.registry.onChange((name) => {
    const bot = bots.registry.get(name);
    if (!bot) consumers.closeAll("the bot was deleted", name);
    else if (bot.webhook) consumers.closeAll("the bot now receives by webhook", name);
  });
  store.cluster?.on("bots", (name) => {
    bots.registry
      .refresh(name === "" ? undefined : name)
      .catch((err: unknown) => log.warn("bot not read again after a change elsewhere", { err }));
  });
}

function readMetricsFrom(
  metrics: Metrics,
  store: Store,
  consumers: ReturnType<typeof createConsumers>,
) {
  const outbox = store.cluster?.outbox;
  metrics.readFrom({
    backlog: () => store.backlog(),
    consumers: () => consumers.byKind(),
    ...(outbox ? { outboxDepth: () => outbox.depth() } : {}),
  });
}

function deliveriesView(store: Store, bots: Bots, webhook: Webhook) {
  return {
    list: async (query: Parameters<Store["listDeliveries"]>[0]) =>
      (await store.listDeliveries(query)).map((d) => withWebhookId(store.storeId, d)),
    backlog: () => store.backlog(),
    // A bot's dead letter goes back to that bot's webhook, never the global one.
    retry: async (id: string) => {
      const owner = ownerOf((await store.getDelivery(id))?.stream ?? "");
      if (owner?.kind === "bot") return bots.retryDelivery(owner.name, id);
      return webhook.retry(id);
    },
  };
}

interface OwnerParts {
  readonly store: Store;
  /** The link as this process may use it (rooms' seats, the directory, the way in). */
  readonly link: Link;
  /** The way out's connection: the link, or with several processes the routed one. */
  readonly way: OutboundConnection;
  readonly bots: Bots;
  readonly webhook: Webhook;
  readonly cluster: Cluster | undefined;
}

/**
 * Bots as owners on the component link: the one way out, their rooms (seats), the room
 * directory, and the one way in for everything the link receives.
 */
async function wireOwners(config: Config, log: Logger, parts: OwnerParts) {
  const { store, link, way, bots, webhook, cluster } = parts;
  const owners = createBotOwners(bots.registry, config.domain, link);
  const lookup = createMessageLookup(store);
  const outbound = createBotOutbound(bots, owners, way, {
    replyTarget: (owner, id, stanza) => replyTarget(lookup, owner, id, stanza),
    // The iqs an owner received are known to the link holder: elsewhere the answer is checked
    // there, before it is sent.
    claimAnswer: (answer, owner) =>
      cluster && cluster.holder.role !== "holder"
        ? cluster.routed.deferClaim(answer, ownerId(owner))
        : claimBotAnswer(bots, answer, owner),
  });
  const rooms = createRooms({
    store,
    seats: owners,
    post: (owner, message, { replyTo }) =>
      outbound.send(owner, message, { timeoutMs: 0, history: false, replyTo }),
    log,
    timeoutMs: config.iqTimeoutMs,
  });
  await rooms.load();
  const messages = createMessageActions({ lookup, outbound, rooms });
  const uploader = createUploader({
    ask: askAs(outbound, config.iqTimeoutMs),
    server: componentServer(config.domain),
    service: config.uploadService,
    timeoutMs: FILE_TIMEOUT_MS,
  });
  const files = createFiles({ uploader, outbound, rooms });
  const directory = createRoomDirectory({
    connection: link,
    from: config.domain,
    timeoutMs: Math.min(config.iqTimeoutMs, DIRECTORY_TIMEOUT_MS),
  });
  const inbound = createInbound(
    { domain: config.domain, ownerAt: owners.ownerAt, rooms: rooms.handle },
    {
      owner(owner, stanza, to, { history }) {
        const bot = owner.kind === "bot" ? bots.registry.get(owner.name) : undefined;
        if (bot) bots.router.deliver(bot, stanza, to, { history });
      },
      global: (stanza, to) => webhook.handle(stanza, to),
    },
    log,
  );
  // Replies to the link's own iqs and refusals of messages it waits on never get here (connection.ts).
  link.onStanza(inbound.handle);

  return { outbound, rooms, directory, messages, files, uploader };
}

function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  hostname: string,
  port: number,
): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    // WebSocket upgrades go through the same app (GET /v1/bots/{name}/events).
    const websocket = { server: new WebSocketServer({ noServer: true }) };
    const server = serve({ fetch, hostname, port, websocket }, () => resolve(server));
    server.once("error", reject);
  });
}
